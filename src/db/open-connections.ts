/**
 * Opening a database's two connections the same way everywhere: WAL mode, raftlite's
 * durability and checkpoint settings, rqlite's reported settings, bounded memory, and the
 * TypeScript SQL functions; and the one VFS per file port they open files through.
 */
import type { FilePort } from '../ports/file-port.ts'
import { systemClock } from '../ports/clock.ts'
import type { Sqlite3 } from '../sqlite/sqlite-api.ts'
import { RaftliteVfs } from '../sqlite/vfs.ts'
import { Connection } from '../sqlite/connection.ts'
import type { DatabaseOptions, SqlFunction } from './database-options.ts'
import { createCountersTable } from './connection-counters.ts'

const vfsByPort = new WeakMap<FilePort, RaftliteVfs>()
let vfsCount = 0

/**
 * SQLite draws WAL salts from its PRNG when it starts a fresh WAL. Doing that write here,
 * outside any batch, keeps those draws from shifting the randomness a batch sees.
 */
export function primeWal(rw: Connection): void {
  const version = rw.scalar('PRAGMA user_version')
  rw.exec(`PRAGMA user_version=${String(version)}`)
}

/** One VFS per file port; SQLite registers VFSes globally, so each gets its own name. */
export function sharedVfs(sqlite3: Sqlite3, options: DatabaseOptions): RaftliteVfs {
  let vfs = vfsByPort.get(options.files)
  if (!vfs) {
    vfs = new RaftliteVfs(sqlite3, `raftlite-${++vfsCount}`, {
      files: options.files,
      clock: options.clock,
      random: options.random,
      sharedWalIndex: options.sharedWalIndex && { path: options.path, buffer: options.sharedWalIndex },
    })
    vfsByPort.set(options.files, vfs)
  }
  return vfs
}

/**
 * Bounds what a connection keeps in the WASM heap, which never gives memory back. sqlite-wasm is
 * built with a 16 MiB page cache per connection and temp_store=MEMORY (sorts and temporary
 * b-trees in the heap: one sort of a 58 MB table left it at 125 MiB). SQLite's usual 2 MB cache
 * suffices (misses are served from the OS page cache through the VFS), and temporary files live
 * in the VFS's memory port in the JS heap, freed when SQLite closes them.
 */
export function limitMemory(connection: Connection): void {
  connection.exec('PRAGMA cache_size=-2000')
  connection.exec('PRAGMA temp_store=FILE')
}

/**
 * rqlite's connection settings, as `/status` reports them: `busy_timeout` 5000 on both, and
 * `synchronous` 0 on the read-only one too (it never writes). Where the connections share one
 * thread the busy wait cannot let the other finish (the VFS's xSleep returns at once), so it
 * ends in a few dozen immediate retries: it changes no outcome, only what is reported.
 */
function matchRqliteSettings(rw: Connection, ro: Connection): void {
  rw.exec('PRAGMA busy_timeout=5000')
  ro.exec('PRAGMA busy_timeout=5000')
  ro.exec('PRAGMA synchronous=OFF')
}

function registerFunctions(sqlite3: Sqlite3, connection: Connection, functions: DatabaseOptions['functions']): void {
  const { capi } = sqlite3
  for (const [name, fn] of functions ?? []) {
    const flags = capi.SQLITE_UTF8 | capi.SQLITE_DETERMINISTIC
    const rc = capi.sqlite3_create_function_v2(connection.db, name, -1, flags, 0, (_ctx, ...values) => fn(...(values as Parameters<SqlFunction>)), 0, 0, 0)
    if (rc !== 0) throw new Error(`cannot register SQL function ${name}: ${capi.sqlite3_errstr(rc)}`)
  }
}

export function openConnections(sqlite3: Sqlite3, vfs: RaftliteVfs, options: DatabaseOptions): { rw: Connection; ro: Connection } {
  const fileRefusal = () => vfs.takeRefusal()
  const clock = options.clock ?? systemClock
  const monotonic = () => clock.monotonic()
  const rw = Connection.open(sqlite3, options.path, { readOnly: false, vfs: vfs.name, fileRefusal, monotonic })
  let ro: Connection | undefined
  try {
    limitMemory(rw)
    const mode = rw.scalar('PRAGMA journal_mode=WAL')
    if (mode !== 'wal') throw new Error(`could not switch ${options.path} to WAL mode (got ${String(mode)})`)
    rw.exec(`PRAGMA synchronous=${options.synchronous === 'off' ? 'OFF' : 'FULL'}`)
    rw.exec('PRAGMA wal_autocheckpoint=0')
    rw.exec(`PRAGMA journal_size_limit=${options.walFileLimit ?? 64 * 1024 * 1024}`)
    rw.exec(`PRAGMA foreign_keys=${options.foreignKeys ? 'ON' : 'OFF'}`)
    if (options.checkpointOnClose === false) sqlite3.capi.sqlite3_db_config(rw.db, sqlite3.capi.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, 0)
    primeWal(rw)
    createCountersTable(rw)
    ro = Connection.open(sqlite3, options.path, { readOnly: true, vfs: vfs.name, fileRefusal, monotonic })
    limitMemory(ro)
    ro.exec(`PRAGMA foreign_keys=${options.foreignKeys ? 'ON' : 'OFF'}`)
    matchRqliteSettings(rw, ro)
    for (const c of [rw, ro]) registerFunctions(sqlite3, c, options.functions)
    return { rw, ro }
  } catch (e) {
    ro?.close()
    rw.close()
    throw e
  }
}
