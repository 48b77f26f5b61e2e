import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** Runs main.ts the way `npm run synth` does, into a temporary directory. */
function synth(...args: string[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'main.ts'), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: outdir },
  });
  return { ...result, outdir };
}

describe('main.ts', () => {
  test('an unknown platform or environment is a one-line error with what is known, not a stack trace', () => {
    const platform = synth('--platform', 'nope');
    expect(platform.status).toBe(1);
    expect(platform.stderr.trim()).toMatch(/^synth failed: unknown platform\(s\): nope; known: .*aroti/);
    expect(platform.stderr).not.toMatch(/\n\s+at /);
    const environment = synth('--env', 'prod');
    expect(environment.status).toBe(1);
    expect(environment.stderr.trim()).toMatch(/^synth failed: unknown environment\(s\): prod; known: .*production/);
  });

  test('a filtered run writes only the selected platform and environment', () => {
    const run = synth('--platform', 'aurontek', '--env', 'test');
    expect(run.status).toBe(0);
    expect(fs.readdirSync(run.outdir)).toEqual(['aurontek']);
    expect(fs.readdirSync(path.join(run.outdir, 'aurontek'))).toEqual(['test']);
    expect(run.stdout).toMatch(/synthesized 1 chart\(s\), \d+ object\(s\) into .*; validation gate passed/);
  });
});
