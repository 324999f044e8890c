import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // fast-check properties print their seed and path on failure; fixed seeds keep CI repeatable.
    sequence: { shuffle: false },
  },
});
