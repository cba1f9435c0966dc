/**
 * One simulated server: a RaftNode plus the app around it (disk, storage mirror, key/value
 * state machine, pending client requests). It follows the Ready contract: write, fsync, then
 * send and apply; `sendBeforeSync` is the deliberately broken variant used by tests.
 */
import {
  type Entry,
  MemoryStorage,
  type NodeId,
  type RaftConfig,
  RaftNode,
  type Ready,
} from '../../src/raft/mod.ts'
import { SimDisk } from './disk.ts'
import { decodeCommand, KvStore } from './kv.ts'

export interface ClientOp {
  readonly id: number
  readonly client: number
  readonly key: string
  readonly kind: 'put' | 'append' | 'get'
  readonly value: string
  output: string | null
  call: number
  ret: number
  status: 'pending' | 'ok' | 'fail' | 'unknown'
  node: NodeId
  /** Virtual time of invocation (for liveness accounting). */
  invokedAt: number
  /** True once the leader accepted the proposal / read request. */
  accepted: boolean
}

export class SimNode {
  readonly id: NodeId
  up = true
  gen = 0
  pausedUntil = 0
  /** Fault: die at the next fsync, i.e. after writing a Ready but before it is durable. */
  crashBeforeSync = false
  readonly disk = new SimDisk()
  storage = new MemoryStorage()
  raft!: RaftNode
  kv = new KvStore()
  applied = 0
  lastSnapIndex = 0
  inflight: Ready | undefined
  /** Proposals this node accepted: index -> (term, op). */
  writes = new Map<number, { term: number; op: ClientOp }>()
  reads = new Map<string, ClientOp>()
  readWaits: { index: number; op: ClientOp }[] = []

  constructor(id: NodeId) {
    this.id = id
  }

  /** (Re)build everything volatile from the durable disk, as a process start would. */
  start(config: Omit<RaftConfig, 'id' | 'storage' | 'applied'>): void {
    const d = this.disk.durable
    const storage = new MemoryStorage()
    const snapIndex = d.snapshot?.metadata.index ?? 0
    if (d.snapshot) storage.applySnapshot(d.snapshot)
    storage.append(d.entries.filter((e) => e.index > snapIndex))
    storage.setHardState(d.hardState)
    this.storage = storage
    this.kv = d.snapshot ? KvStore.restore(d.snapshot.data) : new KvStore()
    this.applied = snapIndex
    this.lastSnapIndex = snapIndex
    this.inflight = undefined
    this.raft = new RaftNode({ ...config, id: this.id, storage, applied: snapIndex })
    this.up = true
  }

  /** Apply one committed entry; returns the normal command applied, if any. */
  applyEntry(e: Entry): void {
    if (e.type === 'normal' && e.data.byteLength > 0) this.kv.apply(decodeCommand(e.data))
    this.applied = e.index
  }
}
