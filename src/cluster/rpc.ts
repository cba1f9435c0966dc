/**
 * Requests one node makes of another on the cluster port (`POST /cluster/rpc`, CBOR): a
 * follower forwards the work only the leader may do, and a new node asks to join.
 */
import type { BoundStatement } from '../sqlite/connection.ts'
import type { StatementResult } from '../db/statement-result.ts'
import type { ReadLevel } from '../node/read-level.ts'
import type { QueueId } from '../db/write-batch.ts'
import type { Credentials } from '../auth/credentials.ts'

/**
 * Every request may carry credentials: a client's, forwarded as they came (the leader checks
 * them again, as rqlite does), or the node's own (`-join-as`) for joins and queued writes.
 */
export type RpcRequest = RpcOperation & { credentials?: Credentials }

export type RpcOperation =
  /** `queueId`: a queued batch's id, so a retried flush is applied once (see WriteBatch). */
  | { op: 'execute'; statements: BoundStatement[]; transaction: boolean; timeoutMs: number; queueId?: QueueId }
  | { op: 'request'; statements: BoundStatement[]; transaction: boolean; timeoutMs: number; level: ReadLevel }
  | { op: 'query'; statements: BoundStatement[]; transaction: boolean; timeoutMs: number; level: ReadLevel }
  /** `forwarded`: a follower passed it on to its leader, which must not pass it on again. */
  | { op: 'join'; id: string; raftAddr: string; apiAddr: string; voter: boolean; forwarded?: boolean }
  | { op: 'remove'; id: string }
  /** From the leader to a node it just removed from the cluster. */
  | { op: 'removed'; id: string }
  | { op: 'transfer'; id: string; wait: boolean }
  | { op: 'meta' }
  /** -bootstrap-expect: "I exist, and here is where"; the answer says if a cluster exists yet. */
  | { op: 'notify'; id: string; raftAddr: string; apiAddr: string }

export type RpcResponse =
  | { ok: true; results?: StatementResult[]; raftIndex?: number; meta?: NodeMeta; bootstrapped?: boolean }
  /** `notLeader`: the node does not lead (any more) and did nothing; ask the leader. */
  | { ok: false; error: string; leaderNotFound?: boolean; notLeader?: boolean; leaderRaftAddr?: string; unauthorized?: boolean }

export interface NodeMeta {
  id: string
  apiAddr: string
  raftAddr: string
  version: string
}
