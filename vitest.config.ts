import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The package's own exports resolve to its TypeScript sources in the repository (the published
  // package resolves them to dist/).
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['tests/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // fast-check properties print their seed and path on failure; fixed seeds keep CI repeatable.
    sequence: { shuffle: false },
  },
});
