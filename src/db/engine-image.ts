/**
 * Backup images of a database that runs in a worker: the read transaction lives in the worker
 * (a connection of its own there), and pages or SQL text come over the engine protocol a chunk
 * at a time. The node counts the open ones (they hold back checkpoints, see node-snapshots.ts).
 */
import type { BackupImage } from './backup-image.ts'
import { ImageAbandonedError } from './database-image.ts'
import type { Engine, EngineImage } from './engine.ts'

/** Characters of SQL text per call to the worker. */
const SQL_CHARS = 64 * 1024

export class EngineImages {
  readonly #engine: Engine
  readonly #open = new Set<EngineImageReader>()

  constructor(engine: Engine) {
    this.#engine = engine
  }

  get count(): number {
    return this.#open.size
  }

  async open(): Promise<BackupImage> {
    const info = await this.#engine.openImage()
    const reader: EngineImageReader = new EngineImageReader(this.#engine, info, () => this.#open.delete(reader))
    this.#open.add(reader)
    return reader
  }

  /** Ends every open image (in the worker too): reading one then throws `ImageAbandonedError`. */
  async abandon(reason: string): Promise<void> {
    for (const reader of [...this.#open]) reader.abandon(reason)
    await this.#engine.abandonImages(reason)
  }
}

export class EngineImageReader implements BackupImage {
  readonly pageSize: number
  readonly pageCount: number
  readonly #engine: Engine
  readonly #id: number
  readonly #onClose: () => void
  #closed = false
  #abandoned: string | null = null

  constructor(engine: Engine, info: EngineImage, onClose: () => void) {
    this.#engine = engine
    this.#id = info.id
    this.pageSize = info.pageSize
    this.pageCount = info.pageCount
    this.#onClose = onClose
  }

  get byteLength(): number {
    return this.pageSize * this.pageCount
  }

  read(first: number, count: number): Promise<Uint8Array> {
    try {
      this.#check()
    } catch (e) {
      return Promise.reject(e)
    }
    return this.#engine.readImage(this.#id, first, count)
  }

  async *sql(tables: readonly string[] = []): AsyncGenerator<string> {
    for (;;) {
      this.#check()
      const text = await this.#engine.readImageSql(this.#id, tables, SQL_CHARS)
      if (text === null) return
      yield text
    }
  }

  /** @internal */
  abandon(reason: string): void {
    this.#abandoned ??= reason
    this.close()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#onClose()
    this.#engine.closeImage(this.#id).catch(() => {}) // a worker that died has closed it anyway
  }

  #check(): void {
    if (this.#abandoned !== null) throw new ImageAbandonedError(this.#abandoned)
    if (this.#closed) throw new Error('database image is closed')
  }
}
