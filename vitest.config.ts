import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs in seconds with no outside processes, and `integration`
// starts a real control plane (etcd, kube-apiserver, controller-manager, scheduler
// and KWOK) once for the whole run through the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['operator/src/**/*.test.ts', 'scorer/src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
