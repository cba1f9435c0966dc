/**
 * Bounded window of append messages sent to one follower but not yet acknowledged.
 * A full window pauses optimistic replication (flow control by count and bytes).
 */
export class Inflights {
  private readonly indexes: number[] = []
  private readonly sizes: number[] = []
  private bytes = 0
  private readonly maxCount: number
  private readonly maxBytes: number

  constructor(maxCount: number, maxBytes: number) {
    this.maxCount = maxCount
    this.maxBytes = maxBytes
  }

  add(lastIndex: number, bytes: number): void {
    this.indexes.push(lastIndex)
    this.sizes.push(bytes)
    this.bytes += bytes
  }

  /** Acknowledge every message whose last entry is <= `index`. */
  freeLE(index: number): void {
    let n = 0
    while (n < this.indexes.length && this.indexes[n] <= index) {
      this.bytes -= this.sizes[n]
      n++
    }
    if (n > 0) {
      this.indexes.splice(0, n)
      this.sizes.splice(0, n)
    }
  }

  /** Forget the oldest message: lets a full window probe again after messages were lost. */
  freeFirstOne(): void {
    if (this.indexes.length > 0) this.freeLE(this.indexes[0])
  }

  full(): boolean {
    return this.indexes.length >= this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes)
  }

  count(): number {
    return this.indexes.length
  }

  reset(): void {
    this.indexes.length = 0
    this.sizes.length = 0
    this.bytes = 0
  }
}
