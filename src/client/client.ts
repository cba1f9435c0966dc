/**
 * The in-process client: what an application embedding a node uses instead of HTTP. Same
 * semantics as the HTTP API (the same node methods run underneath), typed results, exact
 * integers.
 */
import type { SqlValue } from '../api/sql-value.ts'
import type { StatementResult } from '../db/statement-result.ts'
import type { DataNode } from '../node/node-api-port.ts'
import type { ReadLevel } from '../node/read-level.ts'
import type { BoundStatement } from '../sqlite/connection.ts'
import { RaftliteError } from './raftlite-error.ts'
import { fromInteger } from './from-integer.ts'
import type { InArgs, InStatement, InValue, IntMode, ResultSet, Row, Value } from './types.ts'

export interface ClientOptions {
  intMode?: IntMode
}

export interface ReadOptions {
  level?: ReadLevel
}

export class Client {
  readonly #node: DataNode
  readonly #intMode: IntMode

  constructor(node: DataNode, options: ClientOptions = {}) {
    this.#node = node
    this.#intMode = options.intMode ?? 'number'
  }

  /** Runs one statement: a write goes through the log, a read follows `level`. */
  async execute(statement: InStatement, options: ReadOptions = {}): Promise<ResultSet> {
    const [result] = await this.#run([statement], false, options)
    return result
  }

  /** Runs statements as one write (one log entry); atomic unless `transaction: false`. */
  async batch(statements: InStatement[], options: { transaction?: boolean } = {}): Promise<ResultSet[]> {
    const bound = statements.map(bind)
    const outcome = await this.#node.execute(bound, { transaction: options.transaction ?? true })
    return outcome.results.map((r, i) => this.#toResultSet(r, i))
  }

  /**
   * Reads and writes together (rqlite's `/db/request`): one result per statement, rows for reads.
   * With any write it is one log entry; with `transaction` the first error rolls all back.
   */
  async request(statements: InStatement[], options: ReadOptions & { transaction?: boolean } = {}): Promise<ResultSet[]> {
    const outcome = await this.#node.request(statements.map(bind), { level: options.level, transaction: options.transaction })
    return outcome.results.map((r, i) => this.#toResultSet(r, i))
  }

  /** Reads; a statement that would write fails. */
  async query(statement: InStatement, options: ReadOptions = {}): Promise<ResultSet> {
    const [result] = await this.#run([statement], true, options)
    return result
  }

  /**
   * Queues statements (rqlite's queued writes); resolves with the sequence number at once.
   * Await `flushed` to know they are written.
   */
  async enqueue(statements: InStatement[]): Promise<{ sequence: bigint; flushed: Promise<void> }> {
    return this.#node.enqueue(statements.map(bind))
  }

  async #run(statements: InStatement[], readOnly: boolean, options: ReadOptions): Promise<ResultSet[]> {
    const bound = statements.map(bind)
    const results = readOnly
      ? await this.#node.query(bound, { level: options.level })
      : (await this.#node.request(bound, { level: options.level })).results
    return results.map((r, i) => this.#toResultSet(r, i))
  }

  #toResultSet(result: StatementResult, index: number): ResultSet {
    switch (result.kind) {
      case 'error':
        throw new RaftliteError(result.error, index)
      case 'exec':
        return {
          columns: [],
          columnTypes: [],
          rows: [],
          rowsAffected: Number(result.rowsAffected),
          lastInsertRowid: result.lastInsertId === 0n ? undefined : result.lastInsertId,
        }
      case 'rows': {
        const { columns, decltypes, rows } = result.rows
        return {
          columns,
          columnTypes: decltypes.map((t) => t.toLowerCase()),
          rows: rows.map((values) => this.#row(columns, values)),
          rowsAffected: 0,
          lastInsertRowid: undefined,
        }
      }
    }
  }

  #row(columns: string[], values: SqlValue[]): Row {
    const row = values.map((v) => this.#value(v)) as Row
    columns.forEach((name, i) => {
      if (name === 'length' || /^\d+$/.test(name) || Object.hasOwn(row, name)) return
      Object.defineProperty(row, name, { value: row[i], enumerable: false })
    })
    return row
  }

  #value(v: SqlValue): Value {
    if (typeof v === 'boolean') return v ? 1 : 0
    if (typeof v !== 'bigint') return v
    return fromInteger(v, this.#intMode)
  }
}

function bind(statement: InStatement): BoundStatement {
  if (typeof statement === 'string') return { sql: statement, positional: [], named: null }
  const args: InArgs = statement.args ?? []
  if (Array.isArray(args)) return { sql: statement.sql, positional: args.map(toSql), named: null }
  return {
    sql: statement.sql,
    positional: [],
    named: Object.fromEntries(Object.entries(args).map(([k, v]) => [k.replace(/^[:@$]/, ''), toSql(v)])),
  }
}

function toSql(v: InValue): SqlValue {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  return v
}
