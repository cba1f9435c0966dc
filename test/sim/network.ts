/**
 * Seeded network: per-message drop, duplication and random delay (which reorders), plus
 * directed link cuts for symmetric, asymmetric and flapping partitions.
 */
import type { NodeId } from '../../src/raft/mod.ts'

export interface NetworkRandom {
  nextInt(n: number): number
  nextFloat(): number
}

export class SimNetwork {
  dropRate = 0
  dupRate = 0
  minDelay = 1
  maxDelay = 10
  private readonly cut = new Set<string>()

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`)
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`)
  }

  restoreLink(from: NodeId, to: NodeId): void {
    this.cut.delete(`${from}>${to}`)
  }

  /** Cut every link between different groups, both ways. */
  partition(groups: NodeId[][]): void {
    for (const g of groups) {
      for (const h of groups) {
        if (g === h) continue
        for (const a of g) for (const b of h) this.cutLink(a, b)
      }
    }
  }

  heal(): void {
    this.cut.clear()
  }

  cutCount(): number {
    return this.cut.size
  }

  /** Delivery delays for one send: [] when dropped, two entries when duplicated. */
  plan(rand: NetworkRandom): number[] {
    if (rand.nextFloat() < this.dropRate) return []
    const delay = () => this.minDelay + rand.nextInt(this.maxDelay - this.minDelay + 1)
    if (rand.nextFloat() < this.dupRate) return [delay(), delay()]
    return [delay()]
  }
}
