/** Jest boots the compiled Strapi app in-process (see tests/helpers/strapi.ts). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tests/tsconfig.json' }] },
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
  // Every spec file boots its own Strapi; two cores make a single worker the fastest choice.
  maxWorkers: 1,
  testTimeout: 60_000,
};
