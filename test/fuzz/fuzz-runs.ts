/**
 * How many inputs each fuzzer tries: a bounded number in the normal suite, more with
 * `npm run fuzz` (FUZZ_RUNS). Each fuzzer reports what it ran, for the record.
 */
export function fuzzRuns(inSuite: number): number {
  const env = Number(process.env.FUZZ_RUNS)
  return Number.isSafeInteger(env) && env > 0 ? env : inSuite
}

/** A fixed seed in the suite (reproducible); a random one for `npm run fuzz`, printed on failure by fast-check. */
export function fuzzSeed(): number | undefined {
  return process.env.FUZZ_RUNS ? undefined : 20261206
}

export function report(name: string, runs: number): void {
  console.log(`fuzz ${name}: ${runs} inputs`)
}

/** Per-test time limit: generous for `npm run fuzz`, the suite's usual one otherwise. */
export function fuzzTimeout(): number {
  return process.env.FUZZ_RUNS ? 1_800_000 : 60_000
}
