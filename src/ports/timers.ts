/** Timers, injected so the node can run on virtual time in tests and on any runtime. */
export interface Timers {
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void
}

export const globalTimers: Timers = {
  setTimeout(fn, ms) {
    const handle = globalThis.setTimeout(fn, ms)
    return () => globalThis.clearTimeout(handle)
  },
}
