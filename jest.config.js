// Jest runs in its native ESM mode (oidc-provider and openid-client are ESM-only):
// `node --experimental-vm-modules node_modules/jest/bin/jest.js`, swc emitting ES modules.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import siblings as `./x.js` (NodeNext); jest resolves them to the `.ts` file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  // Per-test limit (a global option in jest: projects cannot set it). Integration tests start
  // real daemons; a hang still ends here rather than at CI's limit.
  testTimeout: 60_000,
  projects: [
    // Unit tests mirror app/ (the test of app/X/Y.ts is test/unit/X/Y.test.ts); tests of the
    // harness and of the benchmark's own code sit beside what they test.
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/test/unit/**/*.test.ts',
        '<rootDir>/test/harness/**/*.test.ts',
        '<rootDir>/test/bench/**/*.test.ts',
      ],
    },
    // Real daemons and servers: allow for their start-up, and run files one after another
    // where they share a system service (pcscd, the vpcd port).
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testTimeout: 60_000,
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
