/** Min-heap of timed events; ties broken by insertion order so runs are reproducible. */
export interface Timed<T> {
  readonly at: number
  readonly seq: number
  readonly ev: T
}

export class EventQueue<T> {
  private heap: Timed<T>[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(at: number, ev: T): void {
    const h = this.heap
    h.push({ at, seq: this.seq++, ev })
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(h[i], h[p])) break
      ;[h[i], h[p]] = [h[p], h[i]]
      i = p
    }
  }

  pop(): Timed<T> | undefined {
    const h = this.heap
    if (h.length === 0) return undefined
    const top = h[0]
    const last = h.pop() as Timed<T>
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && less(h[l], h[m])) m = l
        if (r < h.length && less(h[r], h[m])) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m], h[i]]
        i = m
      }
    }
    return top
  }
}

function less<T>(a: Timed<T>, b: Timed<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
