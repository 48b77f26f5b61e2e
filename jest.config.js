/** Jest runs TypeScript through SWC (transpile only); `tsc --noEmit` type-checks separately. */
module.exports = {
  testEnvironment: 'node',
  // Jest's default (cores - 1) is a single worker on a 2-core CI machine; many suites wait on git/kubectl
  // child processes, so one worker per core is ~35 % faster there.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
