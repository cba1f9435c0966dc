/**
 * In-process cluster for scenario tests: real RaftNodes over MemoryStorage, a message queue,
 * and switches to cut links. `stabilize()` runs Ready/advance loops until nothing moves.
 */
import {
  bootstrapState,
  createSeededRandom,
  type Entry,
  MemoryStorage,
  type Message,
  type NodeId,
  type RaftConfig,
  RaftNode,
  type ReadState,
} from '../../src/raft/mod.ts'

export interface HarnessOptions {
  readonly seed?: number
  readonly config?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>
}

export class Harness {
  readonly nodes = new Map<NodeId, RaftNode>()
  readonly storages = new Map<NodeId, MemoryStorage>()
  readonly applied = new Map<NodeId, Entry[]>()
  readonly readStates = new Map<NodeId, ReadState[]>()
  /** Messages waiting for delivery (in order). */
  queue: Message[] = []
  /** Every message ever sent, for assertions. */
  readonly sent: Message[] = []
  private readonly cut = new Set<string>()
  private readonly opts: HarnessOptions
  private seed: number

  constructor(ids: NodeId[], opts: HarnessOptions = {}) {
    this.opts = opts
    this.seed = opts.seed ?? 1
    const boot = bootstrapState(ids)
    for (const id of ids) {
      const s = new MemoryStorage()
      s.append(boot.entries)
      s.setHardState(boot.hardState)
      this.addNode(id, s)
    }
  }

  /** Start (or restart) a node over the given storage. */
  addNode(id: NodeId, storage = new MemoryStorage(), extra: Partial<RaftConfig> = {}): RaftNode {
    const node = new RaftNode({
      id,
      storage,
      random: createSeededRandom(this.seed++),
      ...this.opts.config,
      ...extra,
      applied: storage.snapshot().metadata.index,
    })
    this.nodes.set(id, node)
    this.storages.set(id, storage)
    if (!this.applied.has(id)) this.applied.set(id, [])
    if (!this.readStates.has(id)) this.readStates.set(id, [])
    return node
  }

  node(id: NodeId): RaftNode {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`no node ${id}`)
    return n
  }

  /** Cut both directions between a and b (or one direction with oneWay). */
  isolateLink(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`)
    if (!oneWay) this.cut.add(`${b}>${a}`)
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.isolateLink(id, other)
  }

  heal(): void {
    this.cut.clear()
  }

  /** Handle every pending Ready once (persist, queue messages, apply). */
  processReady(): boolean {
    let any = false
    for (const [id, node] of this.nodes) {
      while (node.hasReady()) {
        any = true
        const rd = node.ready()
        const st = this.storages.get(id) as MemoryStorage
        if (rd.snapshot) {
          st.applySnapshot(rd.snapshot)
          this.applied.set(id, [])
        }
        st.append(rd.entries)
        if (rd.hardState) st.setHardState(rd.hardState)
        for (const m of rd.messages) {
          this.sent.push(m)
          if (!this.cut.has(`${m.from}>${m.to}`)) this.queue.push(m)
        }
        this.applied.get(id)?.push(...rd.committedEntries)
        this.readStates.get(id)?.push(...rd.readStates)
        node.advance()
      }
    }
    return any
  }

  /** Deliver the currently queued messages (drop those to unknown nodes). */
  deliver(filter: (m: Message) => boolean = () => true): boolean {
    const batch = this.queue
    this.queue = []
    let any = false
    for (const m of batch) {
      if (!filter(m)) continue
      const to = this.nodes.get(m.to)
      if (!to) continue
      any = true
      to.step(m)
    }
    return any
  }

  /** Loop ready/deliver until quiet. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      const a = this.processReady()
      const b = this.deliver()
      if (!a && !b) return
    }
    throw new Error('harness did not stabilize')
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const node of this.nodes.values()) node.tick()
  }

  /** Tick `id` until it starts an election, then stabilize. */
  elect(id: NodeId): void {
    this.node(id).campaign()
    this.stabilize()
  }

  leader(): NodeId | undefined {
    for (const [id, n] of this.nodes) if (n.status().role === 'leader') return id
    return undefined
  }

  /** Data of applied normal entries (no-ops and conf changes skipped), decoded as text. */
  appliedData(id: NodeId): string[] {
    const dec = new TextDecoder()
    return (this.applied.get(id) ?? [])
      .filter((e) => e.type === 'normal' && e.data.byteLength > 0)
      .map((e) => dec.decode(e.data))
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
