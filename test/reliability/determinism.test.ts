import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { buildApp, PLATFORMS } from '../../charts';
import { synthesize } from '../../lib/render/synth';

/**
 * Two runs give the same bytes: the whole app synthesized twice in this process and once in a child process with
 * another time zone, locale and working directory must produce identical trees, free of timestamps, machine paths
 * and hash-suffixed names.
 */

const REPO = path.resolve(__dirname, '..', '..');
/** `npm run synth` and `cdk8s synth` run this (main.ts as a cached bundle). */
const SYNTH = path.join(REPO, 'scripts', 'synth.js');
const TMP_PREFIX = path.join(os.tmpdir(), 'reliability-');
/** Another time zone (UTC+12:45/+13:45, with DST) and a locale whose collation differs from English ("aa" after "z"). */
const FOREIGN_ENV = { TZ: 'Pacific/Chatham', LANG: 'da_DK.UTF-8', LC_ALL: 'da_DK.UTF-8' };

function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}${stdout}`))));
  });
}

/** Every file under `dir` (relative path → bytes), sorted by path. */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else files.set(rel, fs.readFileSync(path.join(dir, rel)));
    }
  };
  walk('');
  return files;
}

function expectSameTree(a: Map<string, Buffer>, b: Map<string, Buffer>, label: string): void {
  expect({ label, files: [...b.keys()] }).toEqual({ label, files: [...a.keys()] });
  const differing = [...a.keys()].filter((f) => !a.get(f)!.equals(b.get(f)!));
  expect({ label, differing }).toEqual({ label, differing: [] });
}

/** Synthesizes every platform in this process, the way main.ts does, without touching docs/ in the repo. */
function synthInProcess(outdir: string): void {
  const app = new App({ outdir });
  buildApp(app);
  synthesize(app, { outdir, clean: false });
}

describe('deterministic output', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const dir = fs.mkdtempSync(TMP_PREFIX);
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  let first: Map<string, Buffer>;
  let firstDir: string;

  test('the whole app twice in-process, and once in a child process with another TZ, locale and cwd: byte-identical trees', async () => {
    const childOut = tmp();
    const childCwd = tmp();
    // Every platform named explicitly: a filtered run writes no docs/platforms.md into the repo and cleans nothing.
    const child = run(process.execPath, [SYNTH, '--platform', PLATFORMS.map((p) => p.name).join(',')], {
      cwd: childCwd,
      env: { ...process.env, ...FOREIGN_ENV, CDK8S_OUTDIR: childOut },
    });
    firstDir = tmp();
    synthInProcess(firstDir);
    const secondDir = tmp();
    synthInProcess(secondDir);
    await child;

    first = readTree(firstDir);
    expect(first.size).toBeGreaterThan(PLATFORMS.length);
    expectSameTree(first, readTree(secondDir), 'second in-process run');
    expectSameTree(first, readTree(childOut), `child process with ${JSON.stringify(FOREIGN_ENV)} in another cwd`);
    // The child wrote only where CDK8S_OUTDIR pointed.
    expect(fs.readdirSync(childCwd)).toEqual([]);
  }, 120_000);

  test('construct output does not depend on the locale (a fixture whose sorted lists collate differently by language)', async () => {
    // Bundled once with the synth's esbuild options (packages left to Node), then run under each locale.
    const fixture = path.join(tmp(), 'locale-fixture.js');
    const esbuild = await import('esbuild');
    const { buildOptions } = require(SYNTH) as { buildOptions: (entry: string, bundlePackages: boolean) => import('esbuild').BuildOptions };
    try {
      await esbuild.build({ ...buildOptions(path.relative(REPO, path.join(__dirname, 'locale-fixture.ts')), false), outfile: fixture });
    } finally {
      // esbuild's service process would keep this Jest worker alive after its last test.
      await esbuild.stop();
    }
    const outputs = await Promise.all(['C.UTF-8', 'da_DK.UTF-8', 'lt_LT.UTF-8'].map((locale) =>
      run(process.execPath, [fixture], { cwd: REPO, env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules'), LANG: locale, LC_ALL: locale } })));
    expect(outputs[0].length).toBeGreaterThan(0);
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
  }, 60_000);

  test('no timestamps, machine paths or hash-suffixed names in the output', () => {
    if (!first) {
      firstDir = tmp();
      synthInProcess(firstDir);
      first = readTree(firstDir);
    }
    const machinePaths = [REPO, '/work/', TMP_PREFIX, ...dirs, ...(os.homedir() && os.homedir() !== '/' ? [os.homedir()] : [])];
    const problems: string[] = [];
    for (const [file, bytes] of first) {
      const text = bytes.toString('utf8');
      // A fixed configuration date is not a timestamp: Loki's schema start (lib/addons/catalog.ts) is the only one.
      const iso = /\b(19|20)\d\d-[01]\d-[0-3]\d(T[0-2]\d:[0-5]\d)?/.exec(text.replace(/from: "?2026-01-01"?$/gm, ''));
      if (iso) problems.push(`${file}: looks like a timestamp: ${iso[0]}`);
      for (const p of machinePaths) if (text.includes(p)) problems.push(`${file}: contains the machine path ${p}`);
      if (file.endsWith('.yaml') && !file.endsWith('kustomization.yaml')) {
        const name: string | undefined = parse(text)?.metadata?.name;
        if (name === undefined) problems.push(`${file}: no metadata.name`);
        // cdk8s appends "-c8" and six hex digits unless told not to; any 8-hex-digit suffix is suspect.
        else if (/-[0-9a-f]{8}$/.test(name)) problems.push(`${file}: metadata.name ${name} ends in a hash suffix`);
      }
    }
    expect(problems).toEqual([]);
  });
});
