/**
 * One SQLite connection: prepared-statement cache, parameter binding, result extraction.
 * Integers come out as bigint (exact int64), REALs as number, BLOBs as Uint8Array.
 *
 * Client SQL (`run`, `isReadOnly`, `refusal`) is compiled and run under the statement policy,
 * enforced by SQLite's authorizer. Only raftlite's own SQL (`exec`, `scalar`) runs without it,
 * and is never cached, so a client sending the same text never reuses a statement it compiled.
 */
import type { SqlValue } from '../api/sql-value.ts'
import type { Ptr, Sqlite3 } from './sqlite-api.ts'
import { type ResultBudget, ResultTooLargeError, rowBytes } from './result-cap.ts'
import { compilesWithoutRefusal, type Phase, refusal } from './statement-policy.ts'

export interface BoundStatement {
  sql: string
  positional: SqlValue[]
  named: Record<string, SqlValue> | null
}

export interface Rows {
  columns: string[]
  /** Declared column types as written in the schema ('' for expressions). */
  decltypes: string[]
  rows: SqlValue[][]
}

export type RunResult =
  | { kind: 'exec'; lastInsertId: bigint; rowsAffected: bigint }
  | { kind: 'rows'; rows: Rows }

export class SqliteError extends Error {
  constructor(message: string, readonly code: number) {
    super(message)
    this.name = 'SqliteError'
  }
}

/** `run` was told to run only read-only statements and `sql` holds one that writes. */
export class NotReadOnlyError extends Error {
  constructor() {
    super('the statement changes the database')
    this.name = 'NotReadOnlyError'
  }
}

const CACHE_LIMIT = 256
const PREPARE_PERSISTENT = 0x01
const STMTSTATUS_VM_STEP = 4
const SQLITE_DBSTATUS_DEFERRED_FKS = 10

/** What a connection's `last_insert_rowid()` and `changes()` answer. */
export interface ConnectionCounters {
  lastInsertRowid: bigint
  changes: bigint
}
/** How often (in VM steps) the progress handler runs: the granularity of limits. */
const PROGRESS_STEPS = 1000
const encoder = new TextEncoder()

export interface ConnectionOptions {
  readOnly: boolean
  vfs: string
  /** Why the VFS last refused to open a file, if it did (added to SQLITE_CANTOPEN errors). */
  fileRefusal?: () => string | null
  /** Monotonic milliseconds, for query time limits (a read's limit is local time). */
  monotonic?: () => number
}

export class Connection {
  readonly #sqlite3: Sqlite3
  readonly db: Ptr
  readonly #cache = new Map<string, Ptr>()
  /**
   * SQL that `refusal` compiled in full without a refusal. Its verdict cannot change: what the
   * policy refuses at compile time is in the text (a view or trigger can hold no PRAGMA or ATTACH).
   */
  readonly #allowed = new Set<string>()
  /** Monotonic deadline (ms) after which the running statement is interrupted; 0 = none. */
  #deadline = 0
  /** VM steps a statement may take before it is interrupted; 0 = none (deterministic limit). */
  #stepBudget = 0
  /** With a read's size cap: the bytes its rows may still take (see result-cap.ts). */
  #resultBudget: ResultBudget | null = null
  /** The statement being stepped; the budget counts only its steps. */
  #stepping: Ptr = 0
  /**
   * Progress-handler calls since it started: one per PROGRESS_STEPS VM steps. (SQLite's own
   * step counter is only updated when a step returns, so it cannot be read mid-statement.)
   */
  #progressCalls = 0
  /** Schema version the cached statements were checked against (budgeted runs only). */
  #cacheSchema: SqlValue = null
  readonly #now: () => number
  readonly #fileRefusal: () => string | null
  /** Running raftlite's own SQL: the statement policy does not apply. */
  #trusted = false
  #phase: Phase = 'running'
  /** Why the authorizer refused the statement being compiled or run, if it did. */
  #refused: string | null = null

  private constructor(sqlite3: Sqlite3, db: Ptr, fileRefusal: () => string | null, now: () => number) {
    this.#sqlite3 = sqlite3
    this.db = db
    this.#fileRefusal = fileRefusal
    this.#now = now
    // Installed once: creating a handler per statement would leak WASM function-table slots.
    sqlite3.capi.sqlite3_progress_handler(db, PROGRESS_STEPS, () => (this.#overLimit() ? 1 : 0), 0)
    const text = (arg: unknown) => (typeof arg === 'string' ? arg : null) // NULL arrives as 0
    const rc = sqlite3.capi.sqlite3_set_authorizer(
      db,
      (_user: Ptr, action: number, arg1: unknown, arg2: unknown) => this.#authorize(action, text(arg1), text(arg2)),
      0,
    )
    if (rc !== 0) throw new SqliteError('could not install the statement policy', rc)
  }

  static open(sqlite3: Sqlite3, path: string, options: ConnectionOptions): Connection {
    const { capi, wasm } = sqlite3
    const flags = options.readOnly
      ? capi.SQLITE_OPEN_READONLY
      : capi.SQLITE_OPEN_READWRITE | capi.SQLITE_OPEN_CREATE
    const stack = wasm.pstack.pointer
    try {
      const ppDb = wasm.pstack.allocPtr()
      const rc = capi.sqlite3_open_v2(path, ppDb, flags | capi.SQLITE_OPEN_EXRESCODE, options.vfs)
      const db = wasm.peekPtr(ppDb)
      if (rc !== 0) {
        const message = db ? capi.sqlite3_errmsg(db) : capi.sqlite3_errstr(rc)
        if (db) capi.sqlite3_close_v2(db)
        const why = options.fileRefusal?.()
        throw new SqliteError(`cannot open ${path}: ${message}${why ? ` (${why})` : ''}`, rc)
      }
      // rqlite (go-sqlite3) accepts double-quoted string literals: `VALUES("fiona")`.
      capi.sqlite3_db_config(db, capi.SQLITE_DBCONFIG_DQS_DML, 1, 0)
      capi.sqlite3_db_config(db, capi.SQLITE_DBCONFIG_DQS_DDL, 1, 0)
      try {
        return new Connection(sqlite3, db, options.fileRefusal ?? (() => null), options.monotonic ?? (() => performance.now()))
      } catch (e) {
        capi.sqlite3_close_v2(db)
        throw e
      }
    } finally {
      wasm.pstack.restore(stack)
    }
  }

  /**
   * Runs raftlite's own SQL that returns nothing of interest (pragmas, BEGIN/COMMIT); throws on
   * error. Trusted: never pass it client SQL.
   */
  exec(sql: string): void {
    this.#trustedRun(sql, false)
  }

  /** A transaction is open (SQLite is out of autocommit mode). */
  get inTransaction(): boolean {
    return !this.#sqlite3.capi.sqlite3_get_autocommit(this.db)
  }

  /** What `last_insert_rowid()` and `changes()` answer now. */
  counters(): ConnectionCounters {
    const { capi } = this.#sqlite3
    return { lastInsertRowid: BigInt(capi.sqlite3_last_insert_rowid(this.db)), changes: BigInt(capi.sqlite3_changes64(this.db)) }
  }

  /** Makes `last_insert_rowid()` answer `rowid` (a ROLLBACK does not put it back). */
  setLastInsertRowid(rowid: bigint): void {
    this.#sqlite3.capi.sqlite3_set_last_insert_rowid(this.db, rowid)
  }

  /**
   * Foreign-key violations the transaction's COMMIT would still refuse (deferred ones; 0 when it
   * would pass): SQLITE_DBSTATUS_DEFERRED_FKS.
   */
  pendingForeignKeyViolations(): number {
    const { capi, wasm } = this.#sqlite3
    const stack = wasm.pstack.pointer
    try {
      const current = wasm.pstack.allocPtr()
      const highwater = wasm.pstack.allocPtr()
      const rc = capi.sqlite3_db_status(this.db, SQLITE_DBSTATUS_DEFERRED_FKS, current, highwater, 0)
      if (rc !== 0) throw this.#error(rc)
      return wasm.peekPtr(current)
    } finally {
      wasm.pstack.restore(stack)
    }
  }

  /** Raftlite's own SQL (trusted, as `exec`): the first column of the first row, or null. */
  scalar(sql: string): SqlValue {
    const result = this.#trustedRun(sql, true)
    return result.kind === 'rows' ? (result.rows.rows[0]?.[0] ?? null) : null
  }

  /** Raftlite's own statement with parameters (trusted, as `exec`; never cached). */
  runTrusted(stmt: BoundStatement, wantRows: boolean): RunResult {
    this.#trusted = true
    try {
      return this.#prepareAndRun(stmt, wantRows, false, false)
    } finally {
      this.#trusted = false
    }
  }

  /**
   * Raftlite's own query (trusted, as `exec`): each row's first column, a blob, handed to `visit`
   * as a view of SQLite's heap, valid only during the call. Large blobs (a load's chunks) are
   * read without a copy in the JS heap, where each would be garbage that holds RSS until a GC.
   */
  eachBlob(stmt: BoundStatement, visit: (bytes: Uint8Array) => void): void {
    const { capi, wasm } = this.#sqlite3
    this.#trusted = true
    try {
      this.#eachStatement(stmt.sql, (p) => {
        this.#bind(p, stmt.positional, stmt.named)
        let rc: number
        while ((rc = capi.sqlite3_step(p)) === capi.SQLITE_ROW) {
          const ptr = capi.sqlite3_column_blob(p, 0) // before column_bytes, as SQLite advises
          visit(wasm.heap8u().subarray(ptr, ptr + capi.sqlite3_column_bytes(p, 0)))
        }
        if (rc !== capi.SQLITE_DONE) throw this.#error(rc)
      })
    } finally {
      this.#trusted = false
    }
  }

  #trustedRun(sql: string, wantRows: boolean): RunResult {
    return this.runTrusted({ sql, positional: [], named: null }, wantRows)
  }

  /**
   * Why the statement policy refuses `sql`, found by compiling each of its statements without
   * running any; null when it does not. SQL that fails to compile for another reason is left
   * for running it to report, and so are refusals that only show while running (VACUUM INTO).
   */
  refusal(sql: string): string | null {
    // What the policy refuses while compiling is a PRAGMA, ATTACH or DETACH statement, and
    // SQLite knows no way to spell those keywords but their ASCII letters, in any case: SQL
    // without them compiles without refusal, so skip compiling it twice. (A speed-up only: the
    // policy still judges every statement as it runs.)
    if (compilesWithoutRefusal(sql)) return null
    if (this.#cache.has(sql) || this.#allowed.has(sql)) return null // compiled under the policy already
    this.#refused = null
    try {
      this.#eachStatement(sql, () => {})
    } catch (e) {
      if (!(e instanceof SqliteError)) throw e
      // A refusal without a reason: the policy itself failed, and the authorizer failed closed.
      return (e.code & 0xff) === this.#sqlite3.capi.SQLITE_AUTH ? e.message : null
    }
    if (this.#allowed.size >= CACHE_LIMIT) this.#allowed.delete(this.#allowed.values().next().value as string)
    this.#allowed.add(sql)
    return null
  }

  /**
   * Runs every statement of `stmt.sql` (a string may hold several). With `wantRows` the last
   * statement's rows are returned; otherwise a statement that writes *and* returns rows (RETURNING)
   * still returns rows, and everything else returns the connection's counters.
   */
  run(stmt: BoundStatement, options: { wantRows: boolean; timeoutMs?: number; stepBudget?: number; readOnly?: boolean; resultBudget?: ResultBudget }): RunResult {
    this.#deadline = options.timeoutMs ? this.#now() + options.timeoutMs : 0
    this.#stepBudget = options.stepBudget ?? 0
    this.#refused = null
    this.#resultBudget = options.resultBudget ?? null
    try {
      if (this.#stepBudget > 0) this.#dropStaleStatements()
      const cached = this.#cache.get(stmt.sql)
      if (cached !== undefined) {
        if (options.readOnly && !this.#isReadOnly(cached)) throw new NotReadOnlyError()
        return this.#runPrepared(cached, stmt, stmt.positional, options.wantRows, false)
      }
      return this.#prepareAndRun(stmt, options.wantRows, options.readOnly === true, true)
    } finally {
      this.#deadline = 0
      this.#stepBudget = 0
      this.#resultBudget = null
    }
  }

  /**
   * A cached statement whose schema changed is re-prepared inside its first step, and SQLite
   * keeps the steps it took before noticing: a replica with a stale statement would count a few
   * steps more than one that prepared it fresh. Under a budget, start from fresh statements.
   */
  #dropStaleStatements(): void {
    const version = this.scalar('PRAGMA schema_version')
    if (version === this.#cacheSchema) return
    for (const p of this.#cache.values()) this.#sqlite3.capi.sqlite3_finalize(p)
    this.#cache.clear()
    this.#cacheSchema = version
  }

  #overLimit(): boolean {
    if (this.#stepBudget !== 0 && this.#stepping !== 0 && ++this.#progressCalls * PROGRESS_STEPS > this.#stepBudget) return true
    return this.#deadline !== 0 && this.#now() > this.#deadline
  }

  /** Whether every statement in `sql` leaves the database unchanged (sqlite3_stmt_readonly). */
  isReadOnly(sql: string): boolean {
    // A statement already prepared (and cached) for `sql` answers without preparing it again.
    const cached = this.#cache.get(sql)
    if (cached !== undefined) return this.#isReadOnly(cached)
    let all = true
    this.#eachStatement(sql, (p) => {
      if (!this.#isReadOnly(p)) all = false
    })
    return all
  }

  #isReadOnly(p: Ptr): boolean {
    const { capi } = this.#sqlite3
    return capi.sqlite3_stmt_readonly(p) !== 0 || capi.sqlite3_stmt_isexplain(p) !== 0
  }

  close(): void {
    const { capi } = this.#sqlite3
    for (const p of this.#cache.values()) capi.sqlite3_finalize(p)
    this.#cache.clear()
    capi.sqlite3_close_v2(this.db)
  }

  #prepareAndRun(stmt: BoundStatement, wantRows: boolean, readOnly: boolean, cache: boolean): RunResult {
    const statements: Ptr[] = []
    try {
      this.#eachStatement(stmt.sql, (p) => statements.push(p), true)
      // Checked on the statements about to run: no second prepare just to ask.
      if (readOnly && !statements.every((p) => this.#isReadOnly(p))) throw new NotReadOnlyError()
    } catch (e) {
      for (const p of statements) this.#sqlite3.capi.sqlite3_finalize(p)
      throw e
    }
    if (statements.length === 0) return this.#counters()
    if (statements.length === 1 && cache) {
      const p = statements[0]
      this.#remember(stmt.sql, p)
      return this.#runPrepared(p, stmt, stmt.positional, wantRows, false)
    }
    // Several statements in one string: run them in order, each consuming its share of the
    // positional parameters (as go-sqlite3 does); report the last one.
    let result: RunResult = this.#counters()
    let remaining = stmt.positional
    try {
      for (const p of statements) {
        const n = this.#sqlite3.capi.sqlite3_bind_parameter_count(p)
        result = this.#runPrepared(p, stmt, remaining.slice(0, n), wantRows, true)
        remaining = remaining.slice(n)
      }
    } finally {
      for (const p of statements) this.#sqlite3.capi.sqlite3_finalize(p)
    }
    return result
  }

  /** Prepares each statement of `sql` in turn; `keep` leaves them unfinalized for the caller. */
  #eachStatement(sql: string, visit: (p: Ptr) => void, keep = false): void {
    const { capi, wasm } = this.#sqlite3
    const bytes = encoder.encode(sql)
    const buffer = wasm.alloc(bytes.length + 1)
    const stack = wasm.pstack.pointer
    try {
      wasm.heap8u().set(bytes, buffer)
      wasm.heap8u()[buffer + bytes.length] = 0
      const ppStmt = wasm.pstack.allocPtr()
      const pzTail = wasm.pstack.allocPtr()
      let cursor = buffer
      const end = buffer + bytes.length
      while (cursor < end) {
        this.#phase = 'compiling'
        let rc: number
        try {
          rc = capi.sqlite3_prepare_v3(this.db, cursor, end - cursor, keep ? PREPARE_PERSISTENT : 0, ppStmt, pzTail)
        } finally {
          this.#phase = 'running'
        }
        if (rc !== 0) throw this.#error(rc)
        const p = wasm.peekPtr(ppStmt)
        cursor = wasm.peekPtr(pzTail)
        if (!p) continue // only whitespace or a comment
        try {
          visit(p)
        } finally {
          if (!keep) capi.sqlite3_finalize(p)
        }
        if (cursor === 0) break
      }
    } finally {
      wasm.pstack.restore(stack)
      wasm.dealloc(buffer)
    }
  }

  #remember(sql: string, p: Ptr): void {
    if (this.#cache.size >= CACHE_LIMIT) {
      const [oldestSql, oldest] = this.#cache.entries().next().value as [string, Ptr]
      this.#cache.delete(oldestSql)
      this.#sqlite3.capi.sqlite3_finalize(oldest)
    }
    this.#cache.set(sql, p)
  }

  #runPrepared(p: Ptr, stmt: BoundStatement, positional: SqlValue[], wantRows: boolean, transient: boolean): RunResult {
    const { capi } = this.#sqlite3
    // Count this run's steps from zero: SQLite calls the progress handler each time the
    // statement's step counter crosses a multiple of PROGRESS_STEPS, so the calls then depend
    // only on what the statement does, not on how often it ran before.
    capi.sqlite3_stmt_status(p, STMTSTATUS_VM_STEP, 1)
    this.#stepping = p
    this.#progressCalls = 0
    try {
      this.#bind(p, positional, stmt.named)
      const columnCount = capi.sqlite3_column_count(p)
      const returnsRows = columnCount > 0 && (wantRows || !capi.sqlite3_stmt_readonly(p))
      if (!returnsRows) {
        let rc: number
        do rc = capi.sqlite3_step(p)
        while (rc === capi.SQLITE_ROW)
        if (rc !== capi.SQLITE_DONE) throw this.#error(rc)
        return this.#counters()
      }
      const columns: string[] = []
      const decltypes: string[] = []
      for (let i = 0; i < columnCount; i++) {
        columns.push(capi.sqlite3_column_name(p, i))
        decltypes.push(capi.sqlite3_column_decltype(p, i) ?? '')
      }
      const rows: SqlValue[][] = []
      for (;;) {
        const rc = capi.sqlite3_step(p)
        if (rc === capi.SQLITE_DONE) break
        if (rc !== capi.SQLITE_ROW) throw this.#error(rc)
        const row = new Array<SqlValue>(columnCount)
        for (let i = 0; i < columnCount; i++) row[i] = this.#column(p, i)
        rows.push(row)
        // Checked as rows come: a huge result is never collected whole.
        const budget = this.#resultBudget
        if (budget && (budget.remaining -= rowBytes(row)) < 0) throw new ResultTooLargeError(budget.limit, rows.length)
      }
      return { kind: 'rows', rows: { columns, decltypes, rows } }
    } finally {
      this.#stepping = 0
      if (!transient) {
        capi.sqlite3_reset(p)
        capi.sqlite3_clear_bindings(p)
      }
    }
  }

  #counters(): RunResult {
    const { capi } = this.#sqlite3
    return {
      kind: 'exec',
      lastInsertId: BigInt(capi.sqlite3_last_insert_rowid(this.db)),
      rowsAffected: BigInt(capi.sqlite3_changes64(this.db)),
    }
  }

  #bind(p: Ptr, positional: SqlValue[], named: Record<string, SqlValue> | null): void {
    const { capi } = this.#sqlite3
    const count = capi.sqlite3_bind_parameter_count(p)
    if (positional.length > count) {
      throw new SqliteError(`expected ${count} parameters, got ${positional.length}`, capi.SQLITE_RANGE)
    }
    for (let i = 0; i < positional.length; i++) this.#bindValue(p, i + 1, positional[i])
    if (named) {
      for (let i = 1; i <= count; i++) {
        const name = capi.sqlite3_bind_parameter_name(p, i)
        if (!name || !':@$'.includes(name[0])) continue
        const key = name.slice(1)
        if (Object.hasOwn(named, key)) this.#bindValue(p, i, named[key])
      }
    }
  }

  #bindValue(p: Ptr, index: number, value: SqlValue): void {
    const { capi, wasm } = this.#sqlite3
    let rc: number
    if (value === null) rc = capi.sqlite3_bind_null(p, index) ?? 0
    else if (typeof value === 'bigint') rc = capi.sqlite3_bind_int64(p, index, value)
    else if (typeof value === 'number') rc = capi.sqlite3_bind_double(p, index, value)
    else if (typeof value === 'boolean') rc = capi.sqlite3_bind_int64(p, index, value ? 1n : 0n)
    else {
      const bytes = typeof value === 'string' ? encoder.encode(value) : value
      if (bytes.length === 0 && typeof value !== 'string') {
        rc = capi.sqlite3_bind_zeroblob(p, index, 0)
      } else {
        // Copied into the heap; SQLite frees it (SQLITE_WASM_DEALLOC) when done.
        const ptr = wasm.alloc(Math.max(1, bytes.length))
        wasm.heap8u().set(bytes, ptr)
        rc = typeof value === 'string'
          ? capi.sqlite3_bind_text(p, index, ptr as unknown as string, bytes.length, capi.SQLITE_WASM_DEALLOC)
          : capi.sqlite3_bind_blob(p, index, ptr, bytes.length, capi.SQLITE_WASM_DEALLOC)
      }
    }
    if (rc !== 0) throw this.#error(rc)
  }

  #column(p: Ptr, i: number): SqlValue {
    const { capi, wasm } = this.#sqlite3
    switch (capi.sqlite3_column_type(p, i)) {
      case capi.SQLITE_INTEGER:
        return BigInt(capi.sqlite3_column_int64(p, i))
      case capi.SQLITE_FLOAT:
        return capi.sqlite3_column_double(p, i)
      case capi.SQLITE_TEXT:
        return capi.sqlite3_column_text(p, i)
      case capi.SQLITE_BLOB: {
        const ptr = capi.sqlite3_column_blob(p, i)
        const n = capi.sqlite3_column_bytes(p, i)
        return wasm.heap8u().slice(ptr, ptr + n)
      }
      default:
        return null
    }
  }

  /** The authorizer's answer for one action (see statement-policy.ts). */
  #authorize(action: number, arg1: string | null, arg2: string | null): number {
    if (this.#trusted) return 0
    const refused = refusal(action, arg1, arg2, this.#phase)
    if (refused === null) return 0
    this.#refused ??= refused
    return this.#sqlite3.capi.SQLITE_DENY
  }

  #error(rc: number): SqliteError {
    const { capi } = this.#sqlite3
    const primary = rc & 0xff
    if (primary === capi.SQLITE_INTERRUPT) return new SqliteError('interrupted', rc)
    // SQLite says only "not authorized": name the rule instead, as rqlite names its refusals.
    if (primary === capi.SQLITE_AUTH && this.#refused !== null) return new SqliteError(this.#refused, rc)
    const message = capi.sqlite3_errmsg(this.db)
    const why = primary === capi.SQLITE_CANTOPEN ? this.#fileRefusal() : null
    return new SqliteError(why ? `${message} (${why})` : message, rc)
  }
}
