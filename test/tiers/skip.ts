/**
 * What a tier does when what it needs is missing: on a laptop it says so loudly and exits 0, so `npm test` stays
 * usable without the binaries; in CI (`CI=true`, as GitHub Actions and .ci/run set it) it fails instead, so a
 * broken CI image can never turn the tier into a silent no-op.
 */
export function isCi(): boolean {
  return /^(true|1|yes)$/i.test(process.env.CI ?? '');
}

/** Exits the process: 0 with a loud SKIPPED banner, or 1 under CI. `missing` lists what was not found; `how` how to get it. */
export function skipTier(tier: string, missing: readonly string[], how: readonly string[]): never {
  const bar = '!'.repeat(78);
  const lines = [
    bar,
    `${isCi() ? 'FAILED' : 'SKIPPED'}: ${tier}: missing ${missing.join(', ')}`,
    ...how.map((h) => `  ${h}`),
    isCi() ? '  CI=true: a tier that cannot run fails instead of skipping.' : '  (exit 0 because CI is not set; under CI=true this fails)',
    bar,
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(isCi() ? 1 : 0);
}
