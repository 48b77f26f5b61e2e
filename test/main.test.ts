import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, parseArgs } from '../main';
import { tree } from './util';

const ROOT = path.join(__dirname, '..');

/** Runs the synth the way `npm run synth` does (scripts/synth.js), into a temporary directory. */
function synth(...args: string[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'synth.js'), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: outdir },
  });
  return { ...result, outdir };
}

/**
 * Runs `main()` in this process, as scripts/synth.js does, capturing what it prints: the argument errors need no
 * process of their own (one spawned run below checks the real process prints the same, without a stack).
 */
function synthInProcess(...args: string[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => { out.push(`${a.join(' ')}\n`); });
  const error = jest.spyOn(console, 'error').mockImplementation((...a) => { err.push(`${a.join(' ')}\n`); });
  const saved = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    const status = main(args);
    return { status, stdout: out.join(''), stderr: err.join(''), outdir };
  } finally {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
    log.mockRestore();
    error.mockRestore();
  }
}

describe('main.ts', () => {
  test('an unknown platform or environment is a one-line error with what is known, not a stack trace', () => {
    const platform = synth('--platform', 'nope');
    expect(platform.status).toBe(1);
    expect(platform.stderr.trim()).toMatch(/^synth failed: unknown platform\(s\): nope; known: .*aroti/);
    expect(platform.stderr).not.toMatch(/\n\s+at /);
    const environment = synthInProcess('--env', 'prod');
    expect(environment.status).toBe(1);
    expect(environment.stderr.trim()).toMatch(/^synth failed: unknown environment\(s\): prod; known: .*production/);
  });

  test('a filtered run writes only the selected platform and environment', () => {
    const run = synthInProcess('--platform', 'aurontek', '--env', 'test');
    expect(run.status).toBe(0);
    expect(fs.readdirSync(run.outdir)).toEqual(['aurontek']);
    expect(fs.readdirSync(path.join(run.outdir, 'aurontek'))).toEqual(['test']);
    expect(run.stdout).toMatch(/synthesized 1 chart\(s\), \d+ object\(s\) into .*; validation gate passed/);
  });

  test('--platform=a and --env=x work like --platform a and --env x', () => {
    const run = synthInProcess('--platform=aurontek', '--env=test');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(fs.readdirSync(run.outdir)).toEqual(['aurontek']);
    expect(fs.readdirSync(path.join(run.outdir, 'aurontek'))).toEqual(['test']);
    expect(parseArgs(['--platform=aroti,aurontek', '--env', 'staging'])).toEqual({ platforms: ['aroti', 'aurontek'], environments: ['staging'], watch: false });
  });

  test('an unknown flag, a stray argument or a flag without its value is a one-line error listing the known flags', () => {
    for (const args of [['--platfrom', 'aroti'], ['aroti'], ['--platform'], ['--env', '--platform', 'aroti'], ['--env='], ['--platform', 'a', '--platform', 'b']]) {
      const run = synthInProcess(...args);
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^synth failed: /);
      expect(run.stderr).toMatch(/--platform a,b \(or --platform=a,b\)/);
      expect(fs.readdirSync(run.outdir)).toEqual([]);
    }
    expect(synthInProcess('--platfrom', 'aroti').stderr.trim())
      .toMatch(/^synth failed: unknown flag "--platfrom"; known flags: --platform a,b .*; --env x,y .*; --watch/);
  });

  test('an environment the selected platform does not have is an error naming its environments', () => {
    // aroti renders staging and production only; aurontek has a test environment, so "test" is a known name.
    const run = synthInProcess('--platform', 'aroti', '--env', 'test');
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('synth failed: platform aroti has no environment test; its environments: staging, production');
    expect(fs.readdirSync(run.outdir)).toEqual([]);
  });

  test('`npx cdk8s synth` prints the exemptions and the gate summary, writes what `npm run synth` writes, and shows no stack', () => {
    const viaCdk8s = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-'));
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade', '--output', viaCdk8s], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: undefined },
    });
    expect(run.status).toBe(0);
    const output = `${run.stdout}${run.stderr}`;
    expect(output).toMatch(/^exempted \[practice\/probes\] aroti\/production Deployment /m);
    expect(output).toMatch(/^synthesized \d+ chart\(s\), \d+ object\(s\) into .*; validation gate passed \(\d+ exempted finding\(s\)\)$/m);
    expect(output).not.toMatch(/\n\s+at /);
    // scripts/synth.js runs this main() (bundled); the spawned run above went through it, so compare in-process.
    const viaMain = synthInProcess();
    expect(viaMain.status).toBe(0);
    expect(tree(viaCdk8s)).toEqual(tree(viaMain.outdir));
  }, 120_000);
});
