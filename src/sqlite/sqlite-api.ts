/**
 * The narrow slice of sqlite-wasm's C-style API that raftlite uses, typed here because the
 * package's own typings are incomplete (e.g. preupdate_hook's arity, init options).
 * Pointers are numbers (32-bit WASM).
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm'

export type Ptr = number

export interface Capi {
  [constant: `SQLITE_${string}`]: number
  sqlite3_libversion(): string
  sqlite3_open_v2(filename: string, ppDb: Ptr, flags: number, vfs: string | null): number
  sqlite3_close_v2(db: Ptr): number
  sqlite3_complete(sql: string): number
  sqlite3_backup_init(dest: Ptr, destName: string, source: Ptr, sourceName: string): Ptr
  sqlite3_backup_step(backup: Ptr, pages: number): number
  sqlite3_backup_finish(backup: Ptr): number
  sqlite3_errmsg(db: Ptr): string
  sqlite3_errstr(rc: number): string
  sqlite3_extended_errcode(db: Ptr): number
  sqlite3_prepare_v3(db: Ptr, sql: Ptr, nByte: number, flags: number, ppStmt: Ptr, pzTail: Ptr): number
  sqlite3_finalize(stmt: Ptr): number
  sqlite3_reset(stmt: Ptr): number
  sqlite3_clear_bindings(stmt: Ptr): number
  sqlite3_step(stmt: Ptr): number
  sqlite3_bind_parameter_count(stmt: Ptr): number
  sqlite3_bind_parameter_name(stmt: Ptr, index: number): string | null
  /** sqlite-wasm wraps this one as returning void: it yields undefined, not SQLITE_OK. */
  sqlite3_bind_null(stmt: Ptr, index: number): number | undefined
  sqlite3_bind_int64(stmt: Ptr, index: number, value: bigint): number
  sqlite3_bind_double(stmt: Ptr, index: number, value: number): number
  sqlite3_bind_text(stmt: Ptr, index: number, text: string, n: number, destructor: number): number
  sqlite3_bind_blob(stmt: Ptr, index: number, blob: Ptr, n: number, destructor: number): number
  sqlite3_bind_zeroblob(stmt: Ptr, index: number, n: number): number
  sqlite3_column_count(stmt: Ptr): number
  sqlite3_column_name(stmt: Ptr, index: number): string
  sqlite3_column_decltype(stmt: Ptr, index: number): string | null
  sqlite3_column_type(stmt: Ptr, index: number): number
  sqlite3_column_int64(stmt: Ptr, index: number): bigint
  sqlite3_column_double(stmt: Ptr, index: number): number
  sqlite3_column_text(stmt: Ptr, index: number): string
  sqlite3_column_blob(stmt: Ptr, index: number): Ptr
  sqlite3_column_bytes(stmt: Ptr, index: number): number
  sqlite3_stmt_readonly(stmt: Ptr): number
  sqlite3_stmt_isexplain(stmt: Ptr): number
  /** A statement's counter (`op`); a C `int` view of an unsigned 32-bit count. */
  sqlite3_stmt_status(stmt: Ptr, op: number, reset: number): number
  sqlite3_sql(stmt: Ptr): string
  sqlite3_changes64(db: Ptr): bigint
  sqlite3_last_insert_rowid(db: Ptr): bigint
  sqlite3_set_last_insert_rowid(db: Ptr, rowid: bigint): void
  sqlite3_get_autocommit(db: Ptr): number
  /** A connection's counter (`op`): its current value and high-water mark, written through pointers. */
  sqlite3_db_status(db: Ptr, op: number, current: Ptr, highwater: Ptr, reset: number): number
  sqlite3_interrupt(db: Ptr): void
  sqlite3_progress_handler(db: Ptr, n: number, handler: ((arg: Ptr) => number) | 0, arg: Ptr): void
  sqlite3_randomness(target: Uint8Array): Uint8Array
  /** sqlite-wasm converts the arguments of a JS `xFunc` (`(pCtx, ...values)`) and its result. */
  sqlite3_create_function_v2(
    db: Ptr, name: string, nArg: number, eTextRep: number, pApp: Ptr,
    xFunc: ((pCtx: Ptr, ...values: unknown[]) => unknown) | 0, xStep: 0, xFinal: 0, xDestroy: 0,
  ): number
  sqlite3_vfs_find(name: string | null): Ptr
  sqlite3_js_db_export(db: Ptr, schema?: string): Uint8Array
  sqlite3_db_config(db: Ptr, op: number, value: number, out: Ptr): number
  sqlite3_limit(db: Ptr, id: number, value: number): number
  /** Three arguments at run time (the package types it with two); 0 as callback removes it. */
  sqlite3_preupdate_hook(
    db: Ptr,
    callback: ((user: Ptr, pDb: Ptr, op: number, zDb: string, zTable: string, oldRowid: bigint, newRowid: bigint) => void) | 0,
    user: Ptr,
  ): Ptr
  sqlite3_preupdate_count(pDb: Ptr): number
  sqlite3_preupdate_old(pDb: Ptr, column: number, ppValue: Ptr): number
  sqlite3_preupdate_new(pDb: Ptr, column: number, ppValue: Ptr): number
  sqlite3_commit_hook(db: Ptr, callback: ((user: Ptr) => number) | 0, user: Ptr): Ptr
  sqlite3_rollback_hook(db: Ptr, callback: ((user: Ptr) => void) | 0, user: Ptr): Ptr
  sqlite3_value_type(value: Ptr): number
  sqlite3_value_int64(value: Ptr): bigint
  sqlite3_value_double(value: Ptr): number
  sqlite3_value_text(value: Ptr): string
  sqlite3_value_to_js(value: Ptr, throwIfCannotConvert?: boolean): unknown
  /** The callback gets (user data, action, four text arguments); NULL arguments arrive as 0. */
  sqlite3_set_authorizer(
    db: Ptr,
    callback: (user: Ptr, action: number, arg1: unknown, arg2: unknown, arg3: unknown, arg4: unknown) => number,
    user: Ptr,
  ): number
}

export interface Wasm {
  heap8u(): Uint8Array
  poke32(ptr: Ptr, value: number): void
  poke64(ptr: Ptr, value: bigint): void
  poke(ptr: Ptr, value: number | bigint, type: 'double' | 'i64' | 'i32'): void
  peekPtr(ptr: Ptr): Ptr
  cstrToJs(ptr: Ptr): string
  cstrncpy(target: Ptr, source: Ptr, n: number): number
  alloc(n: number): Ptr
  dealloc(ptr: Ptr): void
  allocCString(s: string, returnWithLength: true): [Ptr, number]
  allocCString(s: string): Ptr
  pstack: { pointer: Ptr; restore(ptr: Ptr): void; allocPtr(): Ptr; alloc(n: number): Ptr }
}

/** A C struct wrapper from sqlite-wasm's StructBinder (vfs, io_methods, file). */
export interface Struct {
  readonly pointer: Ptr
  [member: `$${string}`]: unknown
  dispose(): void
  addOnDispose(...items: unknown[]): void
}

export interface Sqlite3 {
  capi: Capi
  wasm: Wasm
  version: { libVersion: string }
  vfs: {
    installVfs(options: {
      io?: { struct: Struct; methods: Record<string, (...args: never[]) => number | void> }
      vfs?: { struct: Struct; methods: Record<string, (...args: never[]) => number>; name: string; asDefault?: boolean }
    }): void
  }
  StructBinder: unknown
}

export interface StructConstructors {
  sqlite3_vfs: new (ptr?: Ptr) => Struct
  sqlite3_io_methods: new (ptr?: Ptr) => Struct
  sqlite3_file: new (ptr?: Ptr) => Struct
}

let loading: Promise<Sqlite3> | undefined
let initOptions: object = {}

/**
 * Extra options for sqlite-wasm's init (e.g. `instantiateWasm`), for runtimes where it cannot
 * fetch its own .wasm (workerd gets it as a module). Set before the first node opens.
 */
export function setSqliteInitOptions(options: object): void {
  initOptions = options
}

/** Loads (once per process) and returns the WASM SQLite module. */
export function loadSqlite(): Promise<Sqlite3> {
  loading ??= (async () => {
    // The typings declare init() without options; it accepts Emscripten's (print, printErr).
    const init = sqlite3InitModule as unknown as (options: object) => Promise<Sqlite3>
    return await init({ print: () => {}, printErr: () => {}, ...initOptions })
  })()
  return loading
}

export function structs(sqlite3: Sqlite3): StructConstructors {
  return sqlite3.capi as unknown as StructConstructors
}
