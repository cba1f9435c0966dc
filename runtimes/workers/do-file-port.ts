/**
 * The file port on a Durable Object's SQLite-backed storage (`ctx.storage.sql`, synchronous like
 * the port): a file is a row of `rl_files` (size, modification stamp) and its bytes are rows of
 * `rl_chunks`, CHUNK_BYTES each (a DO value may hold at most 2 MB). Missing chunks read as zeros.
 *
 * Durability: every statement joins the object's implicit transaction, which workerd commits
 * before it lets any response or outgoing message leave the object (its output gate). So what
 * was written before a reply is durable when the reply is seen, and `sync()` has nothing to do.
 * One object owns its storage, so locks and the metadata cache live in memory.
 */
import { type FileHandle, FileNotFoundError, type FilePort, LockedError, type OpenOptions } from '../../src/ports/file-port.ts'

export const CHUNK_BYTES = 16 * 1024

interface FileMeta {
  size: number
  mtime: number
}

export class DurableObjectFilePort implements FilePort {
  readonly #sql: SqlStorage
  readonly #meta = new Map<string, FileMeta | null>()
  readonly #locks = new Set<string>()
  readonly #chunkBytes: number
  #lastStamp = 0

  /** `chunkBytes` is fixed for the life of the storage (tests use small ones). */
  constructor(sql: SqlStorage, chunkBytes = CHUNK_BYTES) {
    this.#sql = sql
    this.#chunkBytes = chunkBytes
    sql.exec('CREATE TABLE IF NOT EXISTS rl_files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL)')
    sql.exec('CREATE TABLE IF NOT EXISTS rl_chunks (path TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (path, n)) WITHOUT ROWID')
    sql.exec('CREATE TABLE IF NOT EXISTS rl_dirs (path TEXT PRIMARY KEY)')
  }

  open(path: string, options: OpenOptions): FileHandle {
    let meta = this.#lookup(path)
    if (!meta) {
      if (!options.create) throw new FileNotFoundError(path)
      meta = { size: 0, mtime: this.#stamp() }
      this.#sql.exec('INSERT INTO rl_files (path, size, mtime) VALUES (?, 0, ?)', path, meta.mtime)
      this.#meta.set(path, meta)
    }
    return new ChunkedFile(this, path, options.readOnly === true)
  }

  exists(path: string): boolean {
    if (this.#lookup(path)) return true
    return this.#sql.exec('SELECT 1 FROM rl_dirs WHERE path = ?', trimSlash(path)).toArray().length > 0
  }

  delete(path: string): void {
    this.#sql.exec('DELETE FROM rl_chunks WHERE path = ?', path)
    this.#sql.exec('DELETE FROM rl_files WHERE path = ?', path)
    this.#meta.set(path, null)
  }

  rename(from: string, to: string): void {
    const meta = this.#lookup(from)
    if (!meta) throw new FileNotFoundError(from)
    if (from === to) return
    this.delete(to)
    this.#sql.exec('UPDATE rl_chunks SET path = ? WHERE path = ?', to, from)
    this.#sql.exec('UPDATE rl_files SET path = ? WHERE path = ?', to, from)
    this.#meta.set(to, meta)
    this.#meta.set(from, null)
  }

  mkdirp(path: string): void {
    const parts = trimSlash(path).split('/')
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (dir !== '') this.#sql.exec('INSERT OR IGNORE INTO rl_dirs (path) VALUES (?)', dir)
    }
  }

  list(path: string): string[] {
    const prefix = `${trimSlash(path)}/`
    const names = new Set<string>()
    const rows = [
      ...this.#sql.exec<{ path: string }>('SELECT path FROM rl_files WHERE substr(path, 1, ?) = ?', prefix.length, prefix),
      ...this.#sql.exec<{ path: string }>('SELECT path FROM rl_dirs WHERE substr(path, 1, ?) = ?', prefix.length, prefix),
    ]
    for (const row of rows) names.add(row.path.slice(prefix.length).split('/')[0])
    return [...names].filter((name) => name !== '').sort()
  }

  syncDirectory(): void {}

  lock(path: string): () => void {
    if (this.#locks.has(path)) throw new LockedError(path, 'held by this Durable Object')
    this.#locks.add(path)
    return () => void this.#locks.delete(path)
  }

  // --- for ChunkedFile ---

  meta(path: string): FileMeta {
    const meta = this.#lookup(path)
    if (!meta) throw new FileNotFoundError(path)
    return meta
  }

  read(path: string, target: Uint8Array, position: number): number {
    const { size } = this.meta(path)
    const length = Math.max(0, Math.min(target.length, size - position))
    if (length === 0) return 0
    target.fill(0, 0, length)
    const first = Math.floor(position / this.#chunkBytes)
    const last = Math.floor((position + length - 1) / this.#chunkBytes)
    const rows = this.#sql.exec<{ n: number; data: ArrayBuffer }>(
      'SELECT n, data FROM rl_chunks WHERE path = ? AND n BETWEEN ? AND ?', path, first, last,
    )
    for (const { n, data } of rows) {
      const chunk = new Uint8Array(data)
      const chunkStart = n * this.#chunkBytes
      const from = Math.max(position, chunkStart)
      const to = Math.min(position + length, chunkStart + chunk.length)
      if (to > from) target.set(chunk.subarray(from - chunkStart, to - chunkStart), from - position)
    }
    return length
  }

  write(path: string, source: Uint8Array, position: number): void {
    const meta = this.meta(path)
    let offset = 0
    while (offset < source.length) {
      const at = position + offset
      const n = Math.floor(at / this.#chunkBytes)
      const inChunk = at - n * this.#chunkBytes
      const take = Math.min(this.#chunkBytes - inChunk, source.length - offset)
      const piece = source.subarray(offset, offset + take)
      if (inChunk === 0 && (take === this.#chunkBytes || at + take >= meta.size)) {
        // The write covers the chunk, or everything of it the file holds: no need to read it.
        this.#putChunk(path, n, piece)
      } else {
        const old = this.#chunk(path, n)
        const chunk = new Uint8Array(Math.max(old.length, inChunk + take))
        chunk.set(old)
        chunk.set(piece, inChunk)
        this.#putChunk(path, n, chunk)
      }
      offset += take
    }
    this.#setMeta(path, Math.max(meta.size, position + source.length))
  }

  truncate(path: string, size: number): void {
    const meta = this.meta(path)
    const keep = Math.ceil(size / this.#chunkBytes)
    this.#sql.exec('DELETE FROM rl_chunks WHERE path = ? AND n >= ?', path, keep)
    const tail = size % this.#chunkBytes
    if (tail !== 0 && size < meta.size) {
      const last = this.#chunk(path, keep - 1)
      if (last.length > tail) this.#putChunk(path, keep - 1, last.subarray(0, tail))
    }
    this.#setMeta(path, size)
  }

  #chunk(path: string, n: number): Uint8Array {
    const rows = this.#sql.exec<{ data: ArrayBuffer }>('SELECT data FROM rl_chunks WHERE path = ? AND n = ?', path, n).toArray()
    return rows.length ? new Uint8Array(rows[0].data) : new Uint8Array(0)
  }

  #putChunk(path: string, n: number, data: Uint8Array): void {
    this.#sql.exec('INSERT OR REPLACE INTO rl_chunks (path, n, data) VALUES (?, ?, ?)', path, n, data)
  }

  #setMeta(path: string, size: number): void {
    const meta = { size, mtime: this.#stamp() }
    this.#sql.exec('UPDATE rl_files SET size = ?, mtime = ? WHERE path = ?', size, meta.mtime, path)
    this.#meta.set(path, meta)
  }

  #lookup(path: string): FileMeta | null {
    const cached = this.#meta.get(path)
    if (cached !== undefined) return cached
    const rows = this.#sql.exec<FileMeta>('SELECT size, mtime FROM rl_files WHERE path = ?', path).toArray()
    const meta = rows.length ? { size: rows[0].size, mtime: rows[0].mtime } : null
    this.#meta.set(path, meta)
    return meta
  }

  // workerd's clock stands still while code runs, so a stamp must also move by itself: with the
  // size, it fingerprints a file (snapshot recovery compares them).
  #stamp(): number {
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1)
    return this.#lastStamp
  }
}

class ChunkedFile implements FileHandle {
  #closed = false

  constructor(private readonly port: DurableObjectFilePort, private readonly path: string, private readonly readOnly: boolean) {}

  read(target: Uint8Array, position: number): number {
    this.#check()
    return this.port.read(this.path, target, position)
  }

  write(source: Uint8Array, position: number): void {
    this.#check(true)
    this.port.write(this.path, source, position)
  }

  truncate(size: number): void {
    this.#check(true)
    this.port.truncate(this.path, size)
  }

  sync(): void {
    this.#check()
  }

  size(): number {
    this.#check()
    return this.port.meta(this.path).size
  }

  modifiedAt(): number {
    this.#check()
    return this.port.meta(this.path).mtime
  }

  close(): void {
    this.#closed = true
  }

  #check(writing = false): void {
    if (this.#closed) throw new Error(`${this.path}: file is closed`)
    if (writing && this.readOnly) throw new Error(`${this.path}: opened read-only`)
  }
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, '')
}
