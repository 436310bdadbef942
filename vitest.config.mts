import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup.ts'],
    // `npm test` prints line coverage of the product code; the function's own code must stay
    // above the floor (its behaviour is what users deploy), the rest is shown, not gated.
    coverage: {
      provider: 'v8',
      include: ['lambda/**/*.ts', 'lib/**/*.ts', 'cli/**/*.ts', 'tools/**/*.ts'],
      reporter: ['text-summary', 'text'],
      reportsDirectory: 'coverage',
      thresholds: { 'lambda/**/*.ts': { lines: 95 } },
    },
    // The SDK's Node 20 end-of-support warning is stderr noise in every test run.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
