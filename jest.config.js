/** Jest runs TypeScript through SWC (transpile only); `tsc --noEmit` type-checks separately. */
const SWC = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } };

module.exports = {
  testEnvironment: 'node',
  // Jest's default (cores - 1) is a single worker on a 2-core CI machine; many suites wait on git/kubectl
  // child processes, so one worker per core is ~35 % faster there.
  maxWorkers: '100%',
  // Jest flags a worker as "failed to exit gracefully" when the parent has not processed its exit 500 ms after
  // asking it to stop. Measured (a --require probe logging each worker's last afterAll, beforeExit and exit): the
  // workers hold no handle but their IPC pipe and stdio, and exit 10–150 ms after their last test; the warning still
  // came on a loaded 2-core machine, where the parent itself (results, reporters, tsc beside it) is late to see
  // the exit. A real leak (a handle that never closes) is still reported, only 2 s later.
  workerGracefulExitTimeout: 2000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // The `cdk8s import` output (imports/, 3.4 MB of generated TypeScript) is loaded by every test file; without
    // inline source maps a file's worker evaluates it in ~150 ms instead of ~360 ms (measured, 62 test files).
    // Nobody debugs generated code, so its stack lines may point into the transpiled text.
    '/imports/[^/]+\\.ts$': ['@swc/jest', { ...SWC, sourceMaps: false }],
    '^.+\\.ts$': ['@swc/jest', SWC],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
