import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['native-worker/**/*.test.ts', 'main/**/*.test.ts', 'db/**/*.test.ts', 'renderer/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep file-level parallelism modest so timing-sensitive process tests stay stable.
    maxWorkers: 2,
  },
});
