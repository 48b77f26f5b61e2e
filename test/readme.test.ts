import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { transformSync } from 'esbuild';
import * as lib from '../lib';
import { renderChart } from '../lib/render/synth';

/** The README's "Writing a chart" example, run as written: documentation that cannot drift from the code. */
test('the README example builds a chart that passes the validation gate', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Writing a chart'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  const js = transformSync(`${block}\nreturn chart;`, { loader: 'ts' }).code;
  const names = Object.keys(lib);
  const build = new Function('app', ...names, js) as (...args: unknown[]) => lib.PlatformChart;
  const chart = build(new App(), ...names.map((n) => (lib as Record<string, unknown>)[n]));
  const rendered = renderChart(chart);
  expect(rendered.findings).toEqual([]);
  const kinds = rendered.files.map((f) => `${f.object.kind}/${f.object.metadata.name}`);
  expect(kinds).toEqual(expect.arrayContaining(['Deployment/api', 'StatefulSet/postgres', 'Ingress/public', 'HorizontalPodAutoscaler/api']));
});
