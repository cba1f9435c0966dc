/** Wall-clock and monotonic time, injected so tests and the simulator control time. */
export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock; may jump). */
  now(): number
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  monotonic(): number
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
}
