/**
 * Replacing a database by another SQLite file (`/db/load`, `/boot`, auto-restore), with
 * SQLite's online-backup API copying the file's pages into the live read-write connection in
 * one write transaction: it goes into the WAL like any write, so it is all or nothing, and a
 * crash before the next snapshot replays it from the log like any write.
 *
 * Loads travel through the log in chunks, staged in the `_raftlite_load` table (inside the
 * database, so in every snapshot: a snapshot taken half way through a load loses nothing); the
 * commit entry reassembles them into a file beside the database, checks it and copies it in.
 */
import { crc32c } from '../log/crc32c.ts'
import type { FilePort } from '../ports/file-port.ts'
import { Connection, SqliteError } from '../sqlite/connection.ts'
import type { Sqlite3 } from '../sqlite/sqlite-api.ts'

/** The first 16 bytes of every SQLite database file. */
export const SQLITE_MAGIC = new TextEncoder().encode('SQLite format 3\0')

export const LOAD_TABLE = '_raftlite_load'

/** The input is not a database this node can load: the client's fault (400). */
export class InvalidDatabaseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidDatabaseError'
  }
}

/** A load's chunks as the commit entry describes them; the staged ones must match exactly. */
export interface StagedLoad {
  id: string
  chunks: number
  bytes: number
  crc32c: number
}

export function hasSqliteMagic(bytes: Uint8Array): boolean {
  return bytes.length >= SQLITE_MAGIC.length && SQLITE_MAGIC.every((b, i) => bytes[i] === b)
}

export type OpenSource = (path: string) => Connection

/**
 * Checks that the file at `path` is a whole, intact SQLite database that can replace one of
 * `pageSize`-byte pages, and marks it rollback-journal mode so it opens on its own (no WAL to
 * look for). Throws `InvalidDatabaseError` saying what is wrong.
 */
export function checkLoadable(files: FilePort, path: string, pageSize: number, open: OpenSource, own: (path: string) => void): void {
  let resize = false
  const handle = files.open(path, { create: false })
  try {
    const header = new Uint8Array(100)
    const size = handle.size()
    if (handle.read(header, 0) < 100 || !hasSqliteMagic(header)) throw new InvalidDatabaseError('invalid SQLite data: the file does not start with the SQLite header')
    const filePageSize = header[16] * 256 + header[17] === 1 ? 65536 : header[16] * 256 + header[17]
    if (filePageSize < 512 || (filePageSize & (filePageSize - 1)) !== 0) throw new InvalidDatabaseError(`invalid SQLite data: bad page size ${filePageSize}`)
    if (size % filePageSize !== 0) throw new InvalidDatabaseError(`invalid SQLite data: ${size} bytes is not a whole number of ${filePageSize}-byte pages (truncated?)`)
    // The page count in the header is valid when the version-valid-for number equals the change counter.
    const view = new DataView(header.buffer)
    const pages = view.getUint32(28)
    if (view.getUint32(92) === view.getUint32(24) && pages > size / filePageSize) {
      throw new InvalidDatabaseError(`invalid SQLite data: the header counts ${pages} pages, the file holds ${size / filePageSize} (truncated)`)
    }
    handle.write(new Uint8Array([1, 1]), 18) // rollback-journal mode: a WAL file's header says 2, 2
    if (filePageSize !== pageSize) resize = true
  } finally {
    handle.close()
  }
  let source: Connection | undefined
  try {
    source = open(path)
    const verdict = source.scalar('PRAGMA quick_check(1)')
    if (verdict !== 'ok') throw new InvalidDatabaseError(`invalid SQLite data: ${String(verdict)}`)
    if (resize) {
      // The online backup copies pages as they are, so the page sizes must agree: VACUUM INTO
      // rewrites the file with ours (on disk, a page at a time).
      const resized = `${path}-resized`
      if (files.exists(resized)) files.delete(resized)
      own(resized) // the VFS opens only names it was told of
      source.exec(`PRAGMA page_size=${pageSize}`)
      source.exec(`VACUUM INTO '${resized.replaceAll("'", "''")}'`)
      source.close()
      source = undefined
      files.rename(resized, path)
      markRollbackMode(files, path)
    }
  } catch (e) {
    if (e instanceof SqliteError) throw new InvalidDatabaseError(`invalid SQLite data: ${e.message}`)
    throw e
  } finally {
    source?.close()
  }
}

function markRollbackMode(files: FilePort, path: string): void {
  const handle = files.open(path, { create: false })
  try {
    handle.write(new Uint8Array([1, 1]), 18)
  } finally {
    handle.close()
  }
}

/** Copies every page of `source` into `target` (the live read-write connection), atomically. */
export function copyDatabase(sqlite3: Sqlite3, target: Connection, source: Connection): void {
  const { capi } = sqlite3
  const backup = capi.sqlite3_backup_init(target.db, 'main', source.db, 'main')
  if (!backup) throw new Error(`cannot replace the database: ${capi.sqlite3_errmsg(target.db)}`)
  const rc = capi.sqlite3_backup_step(backup, -1)
  const finished = capi.sqlite3_backup_finish(backup)
  if (rc !== capi.SQLITE_DONE) throw new Error(`cannot replace the database: ${capi.sqlite3_errstr(rc)}`)
  if (finished !== 0) throw new Error(`cannot replace the database: ${capi.sqlite3_errstr(finished)}`)
}

/** Stages one chunk of a load (a command through the log, on every node alike). */
export function stageChunk(rw: Connection, id: string, seq: number, data: Uint8Array): void {
  // The first chunk starts afresh: whatever an earlier, unfinished load left goes.
  if (seq === 0) rw.exec(`DROP TABLE IF EXISTS ${LOAD_TABLE}`)
  rw.exec(`CREATE TABLE IF NOT EXISTS ${LOAD_TABLE} (id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (id, seq))`)
  rw.runTrusted({ sql: `INSERT OR REPLACE INTO ${LOAD_TABLE} VALUES (?, ?, ?)`, positional: [id, BigInt(seq), data], named: null }, false)
}

/**
 * Writes the staged chunks of `load` into the file at `path`, checking that they are exactly
 * the ones the commit names (count, length, CRC-32C); throws, writing nothing usable, if not.
 */
export function writeStagedFile(rw: Connection, files: FilePort, load: StagedLoad, path: string): void {
  const exists = rw.scalar(`SELECT count(*) FROM sqlite_schema WHERE name = '${LOAD_TABLE}'`) === 1n
  if (!exists) throw new Error(`load ${load.id}: no chunks staged`)
  if (files.exists(path)) files.delete(path)
  const handle = files.open(path, { create: true })
  try {
    let offset = 0
    let crc = 0
    let count = 0
    // Each chunk is written from SQLite's heap as it is read: no 1 MiB copy per chunk in the JS
    // heap (see docs/backup.md, memory). seq is the primary key, so `count` rows in 0..chunks-1 are all of them.
    const sql = `SELECT data FROM ${LOAD_TABLE} WHERE id = ? AND seq >= 0 AND seq < ? ORDER BY seq`
    rw.eachBlob({ sql, positional: [load.id, BigInt(load.chunks)], named: null }, (chunk) => {
      handle.write(chunk, offset)
      crc = crc32c(chunk, crc)
      offset += chunk.length
      count++
    })
    if (count !== load.chunks) throw new Error(`load ${load.id}: ${load.chunks - count} of ${load.chunks} chunks are missing`)
    if (offset !== load.bytes || crc !== load.crc32c) {
      throw new Error(`load ${load.id}: the staged chunks do not match the commit (${offset} bytes, crc ${crc}; expected ${load.bytes}, ${load.crc32c})`)
    }
  } finally {
    handle.close()
  }
}
