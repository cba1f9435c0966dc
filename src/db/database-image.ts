/**
 * A consistent image of the database while writes go on (for backups): a read transaction on a
 * connection of its own pins one state of the file and its WAL, and the image reads that
 * state's pages through `sqlite_dbpage`, a chunk at a time. Concatenated, the pages are a
 * database file. An image holds back WAL checkpoints, so the node abandons it when it takes a
 * snapshot or installs one; reading it then throws `ImageAbandonedError`.
 */
import type { Connection } from '../sqlite/connection.ts'
import { sqlDump } from './sql-dump.ts'

export class ImageAbandonedError extends Error {
  constructor(reason: string) {
    super(`database image abandoned: ${reason}`)
    this.name = 'ImageAbandonedError'
  }
}

export class DatabaseImage {
  readonly pageSize: number
  readonly pageCount: number
  #connection: Connection | null
  #abandoned: string | null = null
  readonly #onClose: () => void

  constructor(connection: Connection, onClose: () => void) {
    this.#connection = connection
    this.#onClose = onClose
    try {
      connection.exec('BEGIN')
      connection.scalar('SELECT count(*) FROM sqlite_schema') // starts the read transaction now
      this.pageSize = Number(connection.scalar('PRAGMA page_size'))
      this.pageCount = Number(connection.scalar('PRAGMA page_count'))
    } catch (e) {
      this.close()
      throw e
    }
  }

  get byteLength(): number {
    return this.pageSize * this.pageCount
  }

  /** Pages `first` (1-based) to `first + count - 1`, as bytes of the file. */
  read(first: number, count: number): Uint8Array {
    if (this.#abandoned !== null) throw new ImageAbandonedError(this.#abandoned)
    if (!this.#connection) throw new Error('database image is closed')
    const last = Math.min(this.pageCount, first + count - 1)
    const out = new Uint8Array(Math.max(0, last - first + 1) * this.pageSize)
    const result = this.#connection.run(
      { sql: 'SELECT pgno, data FROM sqlite_dbpage WHERE pgno BETWEEN ? AND ? ORDER BY pgno', positional: [BigInt(first), BigInt(last)], named: null },
      { wantRows: true, readOnly: true },
    )
    if (result.kind !== 'rows') throw new Error('sqlite_dbpage returned no rows')
    for (const [pgno, data] of result.rows.rows) out.set(data as Uint8Array, (Number(pgno) - first) * this.pageSize)
    return out
  }

  /** Pages in chunks of `chunkPages`, for streaming. */
  *chunks(chunkPages = 128): Generator<Uint8Array> {
    for (let first = 1; first <= this.pageCount; first += chunkPages) yield this.read(first, chunkPages)
  }

  /** The image as SQL text (see `sqlDump`), a piece at a time; `tables` picks tables. */
  *sql(tables: readonly string[] = []): Generator<string> {
    for (const piece of sqlDump(this.#open(), tables)) {
      yield piece
      this.#open() // abandoned or closed while the consumer held the piece
    }
  }

  #open(): Connection {
    if (this.#abandoned !== null) throw new ImageAbandonedError(this.#abandoned)
    if (!this.#connection) throw new Error('database image is closed')
    return this.#connection
  }

  /** @internal The node needs the checkpoint, or the file is being replaced. */
  abandon(reason: string): void {
    this.#abandoned ??= reason
    this.close()
  }

  close(): void {
    if (!this.#connection) return
    const connection = this.#connection
    this.#connection = null
    try {
      connection.close() // ends the read transaction with it
    } finally {
      this.#onClose()
    }
  }
}
