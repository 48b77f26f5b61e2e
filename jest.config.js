/** Jest runs TypeScript through SWC (transpile only); `tsc --noEmit` type-checks separately. */
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
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
