/**
 * Messages exchanged between Raft nodes: plain objects discriminated by `type`,
 * so a transport can encode them with CBOR or JSON unchanged.
 */
import type { Entry, NodeId, Snapshot } from './types.ts'

interface Envelope {
  readonly from: NodeId
  readonly to: NodeId
  /** Sender's term (pre-vote requests carry the term the sender would campaign in). */
  readonly term: number
}

/** AppendEntries: `index`/`logTerm` identify the entry preceding `entries`. */
export interface AppendMessage extends Envelope {
  readonly type: 'append'
  readonly index: number
  readonly logTerm: number
  readonly entries: readonly Entry[]
  readonly commit: number
}

/**
 * Answer to append or snapshot. On success `index` is the follower's last matching index.
 * On rejection `index` is the rejected prev index and (`rejectHint`, `logTerm`) the
 * follower's best guess of where the logs may agree, so the leader can skip a whole term.
 */
export interface AppendResponse extends Envelope {
  readonly type: 'appendResp'
  readonly index: number
  readonly reject: boolean
  readonly rejectHint: number
  readonly logTerm: number
}

export interface VoteMessage extends Envelope {
  readonly type: 'vote' | 'preVote'
  /** Candidate's last log index and term. */
  readonly index: number
  readonly logTerm: number
  /** Set when campaigning because of a leadership transfer: bypasses the leader lease. */
  readonly transfer: boolean
}

export interface VoteResponse extends Envelope {
  readonly type: 'voteResp' | 'preVoteResp'
  readonly reject: boolean
}

export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat'
  readonly commit: number
  /** ReadIndex context being confirmed ('' when none). */
  readonly context: string
  /** Leader's tick counter when sent; echoed back to compute the read lease. */
  readonly sentAt: number
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeatResp'
  readonly context: string
  readonly sentAt: number
}

export interface SnapshotMessage extends Envelope {
  readonly type: 'snapshot'
  readonly snapshot: Snapshot
}

/** Leadership transfer: the target campaigns at once, skipping pre-vote and leases. */
export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeoutNow'
}

/** A follower forwards a ReadIndex request to its leader. */
export interface ReadIndexMessage extends Envelope {
  readonly type: 'readIndex'
  readonly context: string
}

export interface ReadIndexResponse extends Envelope {
  readonly type: 'readIndexResp'
  readonly context: string
  readonly index: number
}

export type Message =
  | AppendMessage
  | AppendResponse
  | VoteMessage
  | VoteResponse
  | HeartbeatMessage
  | HeartbeatResponse
  | SnapshotMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponse

export type MessageType = Message['type']
