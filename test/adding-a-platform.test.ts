import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { transformSync } from 'esbuild';
import { PLATFORMS } from '../charts';
import { argocdPlatform } from '../charts/argocd';
import { PlatformDefinition } from '../charts/platform';
import * as lib from '../lib';
import { renderChart } from '../lib/render/synth';

/**
 * docs/adding-a-platform.md, run as written: its config.ts and index.ts blocks are compiled and evaluated as the
 * modules they claim to be (with their real imports), and the platform they define must render through the gate
 * and get its Argo CD project and Application.
 */
const guide = fs.readFileSync(path.join(__dirname, '..', 'docs', 'adding-a-platform.md'), 'utf8');
const blocks = new Map([...guide.matchAll(/```ts\n\/\/ (\S+)[^\n]*\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]));

function load(file: string, modules: Record<string, unknown>): Record<string, any> {
  const source = blocks.get(file);
  if (source === undefined) throw new Error(`docs/adding-a-platform.md has no \`\`\`ts block starting with // ${file}`);
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs' });
  const module = { exports: {} as Record<string, any> };
  const requireFromGuide = (id: string) => {
    if (!(id in modules)) throw new Error(`${file} imports ${id}, which the test does not provide: add it to the test's module map`);
    return modules[id];
  };
  new Function('module', 'exports', 'require', code)(module, module.exports, requireFromGuide);
  return module.exports;
}

const config = load('charts/shop/config.ts', { '../../lib': lib });
const chartModule = load('charts/shop/index.ts', {
  'cdk8s': require('cdk8s'), 'constructs': require('constructs'), '../../lib': lib, '../platform': {}, './config': config,
});
const shop = chartModule.shop as PlatformDefinition<string>;

describe('docs/adding-a-platform.md', () => {
  test('shows the three files a new platform needs', () => {
    expect([...blocks.keys()]).toEqual(['charts/shop/config.ts', 'charts/shop/index.ts', 'charts/index.ts']);
    expect(blocks.get('charts/index.ts')).toContain("import { shop } from './shop';");
  });

  test.each(['staging', 'production'])('the example platform renders %s through the gate', (environment) => {
    expect(shop.environments).toEqual(['staging', 'production']);
    const rendered = renderChart(shop.build(new App(), environment));
    expect(rendered.findings).toEqual([]);
    const objects = rendered.files.map((f) => f.object);
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'api');
    expect(hpa.spec.maxReplicas).toBe(environment === 'production' ? 10 : 4);
    const ingress = objects.find((o) => o.kind === 'Ingress');
    expect(ingress.spec.rules[0].host).toBe(environment === 'production' ? 'shop.example.com' : 'shop-staging.example.com');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining(['Namespace/shop', 'Namespace/database', 'StatefulSet/postgres', 'Deployment/api']));
  });

  test('registering it is all Argo CD needs: a project and an Application per environment', () => {
    const app = new App();
    // As in charts/index.ts: the platforms already registered, the new one, and the argocd platform reading them all.
    const registered = PLATFORMS.filter((p) => p.name !== 'argocd');
    const argocd = argocdPlatform(() => [...registered, shop]);
    expect(argocd.environments).toEqual(expect.arrayContaining(['staging', 'production']));
    const rendered = renderChart(argocd.build(app, 'production'));
    expect(rendered.findings).toEqual([]);
    const application = rendered.files.map((f) => f.object).find((o) => o.kind === 'Application' && o.metadata.name === 'shop-production');
    expect(application.spec.source.path).toBe('shop/production');
    expect(application.spec.project).toBe('shop-production');
  });
});
