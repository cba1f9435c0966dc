import { defineConfig } from 'vitest/config'

// Measure failover and handover times at raftlited's default timeouts (1-2 s before a follower
// may even campaign, against 3 s and 900 ms limits): they run alone, one file at a time, so
// another file's CPU load cannot starve the followers' timers and turn a scheduling delay into
// a failure. Timing assertions belong here and nowhere else.
const timed = ['test/e2e/cluster-faults.test.ts', 'test/e2e/shutdown-handover.test.ts', 'test/e2e/engine-liveness.test.ts']
// Writes gigabytes; alone at the end, so its fsync storm never lands on a timed cluster test.
const diskHeavy = ['test/db/large-database.test.ts']

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // After the summary: a loud line when the >2 GiB test was skipped (test/support/large-test-notice.ts).
    reporters: ['default', './test/support/large-test-notice.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so process-level tests don't starve each other.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...timed, ...diskHeavy], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timed', include: timed, fileParallelism: false, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'disk-heavy', include: diskHeavy, sequence: { groupOrder: 2 } } },
    ],
  },
})
