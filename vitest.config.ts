import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One file at a time. The live suites share the kernel and serialise on a lock
    // (/tmp/nsview-live.lock); run side by side, each waited for the others inside its own
    // setup and a setup's deadline could pass before it got the lock (a flaky red run on
    // machines with 3+ CPUs). Unit files are fast, so running them in turn costs little; on
    // 2 CPUs vitest ran one file at a time already (its default is CPUs - 1 workers).
    fileParallelism: false,
    // Live tests build real pods and start processes: give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
