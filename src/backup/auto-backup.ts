/**
 * `-auto-backup`: every interval, the leader uploads a copy of the database (gzip unless
 * `no_compress`; VACUUMed with `vacuum`; under a timestamped name with `timestamp`) — only when
 * the data changed. Two checks, as rqlite's uploader: nothing applied since this node's last
 * upload (`skipped`), or the data equal to what the target already holds (`skipped_id`), which
 * it knows from a small `<name>.raftlite-id` object written after each upload: a new leader
 * does not upload again data the old leader uploaded.
 *
 * The copy is written to a file beside the database first (object stores want the length up
 * front), then streamed to the target: memory stays bounded whatever the database's size.
 */
import type { JsonValue } from '../api/json-writer.ts'
import type { BackupImage } from '../db/backup-image.ts'
import type { Database } from '../db/database.ts'
import { crc32c } from '../log/crc32c.ts'
import type { SubsystemLogger } from '../observe/logger.ts'
import type { FilePort } from '../ports/file-port.ts'
import type { Clock } from '../ports/clock.ts'
import type { Timers } from '../ports/timers.ts'
import type { AutoBackupConfig } from './backup-config.ts'
import { type BackupTarget, readAllText, timestampedName } from './backup-target.ts'
import { fileByteStream, imagePageStream } from './byte-streams.ts'

/** What auto-backup needs of a node (`RaftliteNode` has it). */
export interface BackupSource {
  readonly isLeader: boolean
  readonly appliedIndex: number
  readonly database: Database
  readonly platform: { files: FilePort; clock: Clock; timers: Timers }
  openImage(): Promise<{ appliedIndex: number; image: BackupImage }>
  /** A compacted copy (VACUUM INTO) at `path`, beside the database. */
  vacuumInto(path: string): Promise<void>
}

export type TickOutcome = 'uploaded' | 'skipped' | 'skipped_id' | 'not_leader' | 'failed'

const PAGES_PER_READ = 64
let copies = 0

export class AutoBackup {
  readonly stats = { uploads: 0, skipped: 0, skippedId: 0, failures: 0 }
  lastTime: number | null = null
  lastResult = ''
  /** Applied index of the data this node last uploaded or found already uploaded. */
  #lastIndex = -1
  #cancel: (() => void) | null = null
  #running: Promise<unknown> = Promise.resolve()
  #stopped = false

  constructor(
    private readonly node: BackupSource,
    private readonly config: AutoBackupConfig,
    private readonly target: BackupTarget,
    private readonly log: SubsystemLogger,
  ) {}

  start(): void {
    this.log.info('automatic backups on', { target: this.target.description, interval_ms: this.config.intervalMs, compress: this.config.compress, vacuum: this.config.vacuum })
    this.#schedule()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#cancel?.()
    await this.#running
  }

  /** One round: upload if this node leads and the data changed. */
  tick(): Promise<TickOutcome> {
    const run = this.#running.then(() => this.#tick())
    this.#running = run.catch(() => {})
    return run
  }

  status(): JsonValue {
    return {
      target: this.target.description,
      interval: `${this.config.intervalMs / 1000}s`,
      last_time: this.lastTime === null ? null : new Date(this.lastTime).toISOString(),
      last_result: this.lastResult,
      uploads: this.stats.uploads,
      skipped: this.stats.skipped,
      skipped_id: this.stats.skippedId,
      failures: this.stats.failures,
    }
  }

  /** rqlite's expvar names (`uploader`). */
  expvar(): JsonValue {
    return {
      num_uploads_ok: this.stats.uploads,
      num_uploads_fail: this.stats.failures,
      num_uploads_skipped: this.stats.skipped,
      num_uploads_skipped_id: this.stats.skippedId,
    }
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#cancel = this.node.platform.timers.setTimeout(() => {
      void this.tick().finally(() => this.#schedule())
    }, this.config.intervalMs)
  }

  async #tick(): Promise<TickOutcome> {
    if (this.#stopped || !this.node.isLeader) return 'not_leader'
    const outcome = await this.#attempt()
    this.lastTime = this.node.platform.clock.now()
    this.lastResult = outcome
    return outcome
  }

  async #attempt(): Promise<TickOutcome> {
    if (this.node.appliedIndex === this.#lastIndex) {
      this.stats.skipped++
      return 'skipped'
    }
    const files = this.node.platform.files
    const temporary = `${this.node.database.path}-backup-a${++copies}`
    const compressed = `${temporary}-gz`
    try {
      const { appliedIndex, image } = await this.node.openImage()
      let id: string
      try {
        id = await dataId(image)
      } finally {
        image.close()
      }
      if ((await this.#uploadedId()) === id) {
        this.#lastIndex = appliedIndex
        this.stats.skippedId++
        return 'skipped_id'
      }
      // The copy: from a fresh image (cheap) or VACUUMed; then gzipped, both on disk.
      let source: string
      if (this.config.vacuum) {
        await this.node.vacuumInto(temporary)
        source = temporary
      } else {
        const fresh = await this.node.openImage()
        await writeStream(files, temporary, imagePageStream(fresh.image))
        source = temporary
      }
      if (this.config.compress) {
        await writeStream(files, compressed, fileByteStream(files, source).pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>))
        source = compressed
      }
      const name = this.config.timestamp ? timestampedName(this.target.name, this.node.platform.clock.now()) : this.target.name
      const length = sizeOf(files, source)
      await this.target.put(name, fileByteStream(files, source), length)
      const idBytes = new TextEncoder().encode(id)
      await this.target.put(`${this.target.name}.raftlite-id`, new Blob([idBytes]).stream() as ReadableStream<Uint8Array>, idBytes.length)
      this.#lastIndex = appliedIndex
      this.stats.uploads++
      this.log.info('backup uploaded', { target: this.target.description, name, bytes: length, applied_index: appliedIndex })
      return 'uploaded'
    } catch (e) {
      this.stats.failures++
      this.log.error('backup upload failed', { target: this.target.description, error: e instanceof Error ? e.message : String(e) })
      return 'failed'
    } finally {
      for (const path of [temporary, compressed]) if (files.exists(path)) files.delete(path)
    }
  }

  async #uploadedId(): Promise<string | null> {
    const body = await this.target.get(`${this.target.name}.raftlite-id`)
    return body ? (await readAllText(body, 256)).trim() : null
  }
}

/**
 * What the data is, as a checksum of its pages (CRC-32C and length). Header fields SQLite
 * bumps without changing data (change counter, version-valid-for) are left out, so equal data
 * on another node gives the same id.
 */
export async function dataId(image: BackupImage): Promise<string> {
  let crc = 0
  for (let first = 1; first <= image.pageCount; first += PAGES_PER_READ) {
    const pages = await image.read(first, PAGES_PER_READ)
    if (first === 1) {
      pages.fill(0, 24, 28)
      pages.fill(0, 92, 100)
    }
    crc = crc32c(pages, crc)
  }
  return `crc32c:${crc.toString(16).padStart(8, '0')}:${image.byteLength}`
}


async function writeStream(files: FilePort, path: string, body: ReadableStream<Uint8Array>): Promise<void> {
  if (files.exists(path)) files.delete(path)
  const handle = files.open(path, { create: true })
  try {
    let offset = 0
    for await (const chunk of body) {
      handle.write(chunk, offset)
      offset += chunk.length
    }
  } finally {
    handle.close()
  }
}


function sizeOf(files: FilePort, path: string): number {
  const handle = files.open(path, { create: false, readOnly: true })
  try {
    return handle.size()
  } finally {
    handle.close()
  }
}
