/** Timers, injected so the node can run on virtual time in tests and on any runtime. */
export interface Timers {
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void
  /**
   * Calls `fn` soon, after pending I/O callbacks of this turn: work queued by several requests
   * that arrived together then runs once (group commit), without a timer's 1 ms clamp.
   */
  defer(fn: () => void): void
}

type Immediate = (fn: () => void) => unknown
const setImmediateIfAny = (globalThis as { setImmediate?: Immediate }).setImmediate

export const globalTimers: Timers = {
  setTimeout(fn, ms) {
    const handle = globalThis.setTimeout(fn, ms)
    return () => globalThis.clearTimeout(handle)
  },
  // setImmediate (Node, Bun, Deno's Node compat) runs after the current poll phase; elsewhere a
  // zero timeout is the portable fallback.
  defer: setImmediateIfAny ? (fn) => void setImmediateIfAny(fn) : (fn) => void globalThis.setTimeout(fn, 0),
}
