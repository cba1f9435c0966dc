/** Errors thrown by the core and by storage. `code` is stable and meant for callers to switch on. */

export type RaftErrorCode =
  | 'not-leader'
  | 'no-leader'
  | 'transferring'
  | 'uncommitted-limit'
  | 'conf-change-pending'
  | 'term-not-committed'
  | 'invalid-conf-change'
  | 'invalid-transfer'
  | 'removed'
  | 'ready-not-advanced'
  | 'duplicate-read-context'
  | 'invalid-read-context'

export class RaftError extends Error {
  readonly code: RaftErrorCode
  constructor(code: RaftErrorCode, message?: string) {
    super(message ?? code)
    this.name = 'RaftError'
    this.code = code
  }
}

/** The requested index is older than the storage's first index (compacted into a snapshot). */
export class CompactedError extends Error {
  constructor(index: number) {
    super(`index ${index} is compacted`)
    this.name = 'CompactedError'
  }
}

/** The requested index is beyond the storage's last index. */
export class UnavailableError extends Error {
  constructor(index: number) {
    super(`index ${index} is unavailable`)
    this.name = 'UnavailableError'
  }
}
