/**
 * raftlite's Raft core: a pure, deterministic state machine in the style of etcd-io/raft.
 * See docs/raft.md for the Ready/advance loop and the persistence contract.
 * @module
 */
export { RaftNode } from './raft-node.ts'
export type { ProgressStatus, ProposalResult, RaftStatus } from './raft-node.ts'
export type { RaftConfig, ReadOnlyOption, TestingFaults } from './config.ts'
export type { Ready } from './ready.ts'
export type { InitialState, RaftStorage } from './storage.ts'
export { MemoryStorage } from './memory-storage.ts'
export type { RandomSource } from './random.ts'
export { createSeededRandom } from './random.ts'
export { CompactedError, RaftError, UnavailableError } from './errors.ts'
export type { RaftErrorCode } from './errors.ts'
export { applyConfChange, bootstrapState, decodeConfChange, encodeConfChange } from './conf-change.ts'
export type * from './messages.ts'
export { EMPTY_HARD_STATE, NONE, entrySize, isHardStateEqual } from './types.ts'
export type {
  ConfChange,
  ConfChangeType,
  ConfState,
  Entry,
  EntryType,
  HardState,
  NodeId,
  ReadState,
  Role,
  Snapshot,
  SnapshotMetadata,
  SoftState,
} from './types.ts'
