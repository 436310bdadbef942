import { defineConfig } from 'vitest/config';

/**
 * End-to-end tier: tests against a real moto server (AWS) and the loopback Datadog intake.
 * Files run one after another: each starts its own moto, and the machine has two cores.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    // moto takes about 2 s to start on an idle machine, several times that under load.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup.ts'],
    // Without moto the tier stops at once with one message saying how to install it.
    globalSetup: ['test/e2e/support/global-setup.ts'],
    // The SDK's Node 20 end-of-support warning is stderr noise in every e2e run.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
