/**
 * A write's time limit, made deterministic. A node's clock decides nothing in apply: the leader
 * turns a batch's `db_timeout` into a budget of SQLite VM steps (counted per statement by the
 * progress handler) when it proposes, and every replica interrupts at exactly the same step or
 * not at all (docs/engine.md).
 *
 * The fixed rate is what sqlite-wasm sustains on simple row loops (about 23–30 million steps a
 * second on the reference machine, measured on recursive selects and `INSERT … SELECT`). A budget
 * is therefore close to the asked time for row work; statements that spend their time outside the
 * VM (a sort building an index) can run a few times longer than the limit before they stop.
 */
export const STEPS_PER_MS = 25_000

/** The VM-step budget of a per-statement time limit in ms (0 = none). */
export function stepBudgetFor(timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return 0
  return Math.min(Math.ceil(timeoutMs) * STEPS_PER_MS, Number.MAX_SAFE_INTEGER)
}
