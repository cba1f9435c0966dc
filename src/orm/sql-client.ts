/**
 * What the ORM drivers need of a client: the in-process client (`node.client()`) and the remote
 * client (`raftlite/client`) both have it, so one driver serves either.
 */
import type { InStatement, ResultSet } from '../client/types.ts'
import type { ReadLevel } from '../node/read-level.ts'

export interface SqlClient {
  execute(statement: InStatement, options?: { level?: ReadLevel; signal?: AbortSignal }): Promise<ResultSet>
  batch(statements: InStatement[], options?: { transaction?: boolean }): Promise<ResultSet[]>
  /** Reads and writes in one request; with a write, one log entry; `transaction`: all or nothing. */
  request(statements: InStatement[], options?: { transaction?: boolean }): Promise<ResultSet[]>
}

/**
 * An ORM asked for an interactive transaction (BEGIN, statements from separate calls, COMMIT).
 * rqlite's API has none: every call is its own write to the Raft log, so statements sent one by
 * one between BEGIN and COMMIT would not be atomic. Refused, rather than run non-atomically.
 */
export class InteractiveTransactionError extends Error {
  constructor(orm: string, instead: string) {
    super(
      `${orm}: interactive transactions are not supported by raftlite (nor rqlite): every request is one write to the ` +
        `Raft log, so statements sent one by one between BEGIN and COMMIT would not be atomic. ${instead}`,
    )
    this.name = 'InteractiveTransactionError'
  }
}

/** BEGIN / COMMIT / END / ROLLBACK / SAVEPOINT / RELEASE sent as a statement of its own. */
export function isTransactionControl(sql: string): boolean {
  return /^\s*(begin|commit|end|rollback|savepoint|release)\b/i.test(sql)
}
