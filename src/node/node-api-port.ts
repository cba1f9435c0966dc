/**
 * What the adapters around a node (the HTTP API, the cluster API, the in-process client) may use
 * of it. They depend on these interfaces, which `RaftliteNode` implements, never on the façade:
 * the façade builds them, so the import graph runs one way only (façade → adapters → port).
 */
import type { Authorizer } from '../auth/authorizer.ts'
import type { Credentials } from '../auth/credentials.ts'
import type { ClusterAuth } from '../cluster/cluster-auth.ts'
import type { ChangeReadOptions, ChangeText } from '../cdc/cdc-service.ts'
import type { JsonValue } from '../api/json-writer.ts'
import type { Member } from '../cluster/members.ts'
import type { RpcRequest, RpcResponse } from '../cluster/rpc.ts'
import type { Database } from '../db/database.ts'
import type { BackupImage } from '../db/backup-image.ts'
import type { StatementResult } from '../db/statement-result.ts'
import type { Message } from '../raft/messages.ts'
import type { RaftNode } from '../raft/raft-node.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import type { Counters } from './counters.ts'
import type { NodeOptions } from './node-options.ts'
import type { NodeMetrics } from './node-metrics.ts'
import type { Logger } from '../observe/logger.ts'
import type { LeaderInfo, NodeState, NodeStats, ReadOptions, WriteOptions, WriteOutcome } from './node-types.ts'
import type { Platform } from './platform.ts'
import type { WriteQueue } from './write-queue.ts'

/** The data path: what the in-process client needs. */
export interface DataNode {
  execute(statements: BoundStatement[], options?: WriteOptions): Promise<WriteOutcome>
  query(statements: BoundStatement[], options?: ReadOptions): Promise<StatementResult[]>
  request(statements: BoundStatement[], options?: ReadOptions): Promise<WriteOutcome | { results: StatementResult[] }>
  enqueue(statements: BoundStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }>
}

export type RaftStatus = ReturnType<RaftNode['status']> & { lastLeaderContact: number; lastSnapshotTerm: number }

/** A section of /status (and, under `expvarKey`, of /debug/vars) that a subsystem reports. */
export interface StatusReporter {
  status(): JsonValue
  expvar?(): JsonValue
  expvarKey?: string
}

/** The rqlite HTTP API's view of a node: data, status and cluster operations. */
export interface ApiNode extends DataNode, EventTarget {
  readonly id: string
  readonly options: NodeOptions
  readonly platform: Platform
  readonly startedAt: number
  readonly ready: Promise<void>
  readonly state: NodeState
  readonly isLeader: boolean
  readonly appliedIndex: number
  readonly lastSnapshotIndex: number
  readonly sqliteVersion: string
  /** Where SQLite runs: in a worker, or on the event loop (`-db-engine`, docs/engine.md). */
  readonly engineKind?: 'worker' | 'worker-all' | 'thread'
  /** With the worker engine and reads on the loop: how many ran where (docs/engine.md). */
  readonly engineReads?: { loop: number; worker: number; movedToWorker: number }
  /** Applies the leader ran during its fsync (worker engine): answered at commit, or undone. */
  readonly heldApplies?: { answered: number; reapplied: number; dropped: number }
  readonly queue: WriteQueue
  readonly database: Database
  readonly stats: NodeStats
  readonly counters: Counters
  readonly reporters?: ReadonlyMap<string, StatusReporter>
  readonly transportStats: { streamBatches: number; postBatches: number; streamsOpened: number }
  /** Metrics (`/metrics`) and the structured logger. */
  readonly metrics: NodeMetrics
  readonly logger: Logger
  leader(): LeaderInfo | null
  members(): Member[]
  raftStatus(): RaftStatus
  /** On the leader: each other member's highest replicated index (empty elsewhere). */
  replication(): { id: string; match: number }[]
  waitCaughtUp(): Promise<void>
  snapshot(trailingLogs?: number): Promise<boolean>
  reap(): Promise<{ snapshotsReaped: number; walsCheckpointed: number }>
  removeNode(id: string, options?: { credentials?: Credentials }): Promise<void>
  transferLeadership(to?: string, options?: { wait?: boolean; credentials?: Credentials }): Promise<void>
  /** Users and permissions to enforce; null when access control is off. */
  readonly authorizer: Authorizer | null
  /** `fetch` for requests to peers' cluster ports (signed when there is a cluster secret). */
  readonly peerFetch: typeof fetch
  /** Change data capture's state; null when off. */
  cdcStatus(): Record<string, unknown> | null
  /** The captured changes after an index, then live (throws CdcDisabledError when off). */
  changeTexts(options?: ChangeReadOptions): AsyncGenerator<ChangeText>
  /** Backups: a consistent image of the database (see `RaftliteNode.openImage`). */
  openImage(): Promise<{ appliedIndex: number; image: BackupImage }>
  /** Backups with `vacuum`: a compacted copy of the database written to `path`. */
  vacuumInto(path: string): Promise<void>
  /** Loads: a whole SQLite file through the log (`/db/load`), or into a lone node (`/boot`). */
  loadDatabase(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }>
  boot(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }>
}

/** The internode service's view of a node: Raft traffic, snapshots and RPCs from peers. */
export interface ClusterNode extends EventTarget {
  readonly id: string
  readonly options: NodeOptions
  readonly counters: Counters
  /** Checks that requests come from members (the cluster secret); null: every request is taken. */
  readonly clusterAuth: ClusterAuth | null
  readonly logger: Logger
  learnAddress(id: string, raftAddr: string): void
  stepMessages(messages: readonly Message[]): string | undefined
  receiveSnapshot(message: Message, members: Member[], body: ReadableStream<Uint8Array>, offset?: number): Promise<void>
  snapshotResumeOffset(index: number, term: number): number
  handleRpc(request: RpcRequest): Promise<RpcResponse>
}
