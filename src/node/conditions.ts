/**
 * Conditions awaited until membership or leadership changes make them true (a joining node
 * learns the leader's address, and its own membership, only by applying entries).
 */
export class Conditions {
  readonly #waiters: { ready: () => boolean; resolve: () => void }[] = []

  /** Resolves once `ready()` holds, checked now and at each `recheck()`. */
  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve()
    return new Promise<void>((resolve) => this.#waiters.push({ ready, resolve }))
  }

  /** Call after anything that may make a condition true. */
  recheck(): void {
    for (const waiter of [...this.#waiters]) {
      if (!waiter.ready()) continue
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
}
