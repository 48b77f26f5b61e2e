import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Metafile } from 'esbuild';
import { affectedPlatforms } from '../lib/render/watch';
import { tree } from './util';

const ROOT = path.join(__dirname, '..');
/** Generous for a loaded 2-core machine; every wait fails with the watcher's output so far. */
const WAIT_MS = 90_000;


/** The inode of every `<platform>/<environment>` directory: a chart the watcher rewrites gets a new one. */
function chartInodes(dist: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const platform of fs.readdirSync(dist)) {
    for (const environment of fs.readdirSync(path.join(dist, platform))) out[`${platform}/${environment}`] = fs.statSync(path.join(dist, platform, environment)).ino;
  }
  return out;
}

describe('affectedPlatforms', () => {
  const input = (...imports: string[]) => ({ bytes: 0, imports: imports.map((p) => ({ path: p, kind: 'import-statement' as const, external: false })) });
  const metafile = {
    inputs: {
      'main.ts': input('charts/index.ts'),
      'charts/index.ts': input('charts/aroti/index.ts', 'charts/shop/index.ts', 'charts/argocd/index.ts'),
      'charts/aroti/index.ts': input('charts/aroti/config.ts', 'lib/data/postgres.ts'),
      'charts/aroti/config.ts': input(),
      'charts/shop/index.ts': input('lib/workloads/workload.ts'),
      'charts/argocd/index.ts': input('lib/workloads/workload.ts'),
      'lib/data/postgres.ts': input('lib/workloads/workload.ts'),
      'lib/workloads/workload.ts': input(),
    },
    outputs: {},
  } as unknown as Metafile;
  const all = ['aroti', 'shop', 'argocd'];

  test('a platform file re-renders that platform (and Argo CD, which lists every platform)', () => {
    expect(affectedPlatforms(metafile, ['charts/aroti/config.ts'], all)).toEqual(['aroti', 'argocd']);
  });
  test('a lib/ file re-renders every platform that imports it, directly or not', () => {
    expect(affectedPlatforms(metafile, ['lib/data/postgres.ts'], all)).toEqual(['aroti', 'argocd']);
    expect(affectedPlatforms(metafile, ['lib/workloads/workload.ts'], all)).toEqual(['aroti', 'shop', 'argocd']);
  });
  test('a file no platform folder reaches (main.ts, charts/index.ts, a new file) re-renders everything', () => {
    expect(affectedPlatforms(metafile, ['charts/index.ts'], all)).toEqual(all);
    expect(affectedPlatforms(metafile, ['lib/new.ts'], all)).toEqual(all);
  });
});

describe('npm run synth -- --watch', () => {
  let project: string;
  let child: ChildProcess | undefined;
  let output = '';

  /** Resolves with the output after `from` once it matches `pattern`. */
  const waitFor = (pattern: RegExp, from: number): Promise<string> => new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const text = output.slice(from);
      if (pattern.test(text)) {
        clearInterval(poll);
        resolve(text);
      } else if (Date.now() - started > WAIT_MS || child?.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`no ${pattern} within ${WAIT_MS} ms (watcher ${child?.exitCode !== null ? `exited ${child?.exitCode}` : 'running'}); output:\n${output}`));
      }
    }, 50);
  });

  beforeAll(() => {
    // A copy of the project (sources, vendored schemas, scripts), sharing node_modules; its own bundle cache.
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-'));
    for (const entry of ['main.ts', 'lib', 'charts', 'imports', 'vendor', 'scripts', 'package.json', 'tsconfig.json', 'cdk8s.yaml']) {
      fs.cpSync(path.join(ROOT, entry), path.join(project, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      // 'close', not 'exit': the pipes stay open until every process holding them (esbuild's service) is gone.
      const closed = new Promise((resolve) => child!.once('close', resolve));
      child.kill('SIGTERM');
      await closed;
    }
    fs.rmSync(project, { recursive: true, force: true });
  });

  test('an edit re-renders only the platform it affects, bad input keeps it watching, and dist/ equals a full synth', async () => {
    const env = { ...process.env, CDK8S_OUTDIR: path.join(project, 'dist'), PLATFORM_SYNTH_CACHE_DIR: path.join(project, '.synth-cache') };
    child = spawn(process.execPath, [path.join(project, 'scripts', 'synth.js'), '--watch'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => { output += chunk; });
    child.stderr!.on('data', (chunk) => { output += chunk; });
    await waitFor(/^watch: watching /m, 0);
    const dist = path.join(project, 'dist');
    const before = chartInodes(dist);

    // An edit in charts/aroti: aroti's production Deployments change; Argo CD is re-rendered (it lists every
    // platform) but its output is the same, so only aroti/production is rewritten.
    const config = path.join(project, 'charts', 'aroti', 'config.ts');
    const original = fs.readFileSync(config, 'utf8');
    expect(original.split("    logLevel: 'info',\n").length).toBe(2);
    let mark = output.length;
    fs.writeFileSync(config, original.replace("    logLevel: 'info',\n", "    logLevel: 'warning',\n"));
    const rerender = await waitFor(/^watch: re-rendered .*$/m, mark);
    expect(rerender).toMatch(/^watch: charts\/aroti\/config\.ts changed; re-rendering aroti, argocd$/m);
    // aroti (2), argocd (4) and the add-ons layer it builds (4 clusters with cluster objects) are re-rendered and checked.
    expect(rerender).toMatch(/^synthesized 10 chart\(s\), \d+ object\(s\) into .*; validation gate passed \(\d+ exempted finding\(s\)\)$/m);
    expect(rerender).toMatch(/^watch: re-rendered aroti, argocd in \d+ ms: 0 added, 2 changed, 0 removed object\(s\) \(~aroti\/production\/deployment-aroti-aroti-backend-api\.yaml, .*\); wrote aroti\/production$/m);
    const after = chartInodes(dist);
    const rewritten = Object.keys(before).filter((chart) => before[chart] !== after[chart]);
    expect(rewritten).toEqual(['aroti/production']);
    expect(fs.readFileSync(path.join(dist, 'aroti', 'production', 'deployment-aroti-aroti-backend-api.yaml'), 'utf8')).toMatch(/- name: LOG_LEVEL\n\s+value: warning\n/);

    // A syntax error and a bad prop: each prints its error, writes nothing, and the watcher keeps going.
    const names = path.join(project, 'lib', 'core', 'names.ts');
    const namesText = fs.readFileSync(names, 'utf8');
    mark = output.length;
    fs.writeFileSync(names, `${namesText}\nexport const broken = ;\n`);
    expect(await waitFor(/still watching/, mark)).toMatch(/^watch: build failed, dist\/ unchanged; still watching\nlib\/core\/names\.ts:\d+:\d+: /m);
    mark = output.length;
    fs.writeFileSync(names, namesText);
    await waitFor(/^watch: the sources are as last rendered; dist\/ is current$/m, mark);
    mark = output.length;
    fs.writeFileSync(config, original.replace("image: 'postgres:15.10-alpine'", "image: 'postgres:latest'"));
    expect(await waitFor(/still watching/, mark)).toMatch(/^synth failed: .*"postgres:latest".*\nwatch: dist\/ unchanged; still watching$/m);
    expect(chartInodes(dist)).toEqual(after);

    // Back to the original sources: dist/ is byte for byte what a full synth writes.
    mark = output.length;
    fs.writeFileSync(config, original);
    await waitFor(/^watch: re-rendered aroti, argocd .*; wrote aroti\/production$/m, mark);
    const full = spawnSync(process.execPath, [path.join(project, 'scripts', 'synth.js')], {
      cwd: project, encoding: 'utf8', env: { ...env, CDK8S_OUTDIR: path.join(project, 'full') },
    });
    expect(full.stderr).toBe('');
    expect(full.status).toBe(0);
    expect(tree(dist)).toEqual(tree(path.join(project, 'full')));
    expect(child.exitCode).toBeNull();
  }, 5 * WAIT_MS);
});
