import { defineConfig } from 'vitest/config'

// Writes gigabytes; alone at the end, so its fsync storm never lands on a timed cluster test.
const diskHeavy = ['test/db/large-database.test.ts']

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so process-level tests don't starve each other.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: diskHeavy, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'disk-heavy', include: diskHeavy, sequence: { groupOrder: 1 } } },
    ],
  },
})
