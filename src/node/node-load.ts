/**
 * Loading a whole SQLite file into the cluster (`/db/load`, `/boot`, auto-restore). On the
 * leader: the upload is written to disk beside the database as it arrives (never held whole in
 * memory), checked (header, page count, `quick_check`; a file of another page size is rewritten
 * to ours), then sent through the log as chunks and swapped in by a commit entry on every node
 * (src/cluster/load-commands.ts). Nothing is proposed before the file checks out, so bad input
 * leaves the data untouched; a load that fails half way leaves staged chunks, never a mix.
 *
 * `/boot` is the same load on a lone node, followed by a snapshot, so the data does not stay in
 * the log; rqlite's boot bypasses the log instead (see docs/backup.md for why raftlite does not).
 */
import { encodeLoadCommit, LOAD_CHUNK_COMMAND, LOAD_COMMIT_COMMAND, loadChunkPayload } from '../cluster/load-commands.ts'
import { crc32c } from '../log/crc32c.ts'
import type { DataPath } from './data-path.ts'
import type { NodeContext } from './node-context.ts'
import { StoreError } from './store-error.ts'

/** Bytes of the file per log entry: well under `raftMaxBatchBytes`, few entries per GiB. */
const CHUNK_BYTES = 1024 * 1024
const CHUNKS_IN_FLIGHT = 4
/** The slowest apply of a commit waited for: 1 MiB/s (a 1 GiB load gets 17 minutes more). */
const COMMIT_BYTES_PER_MS = 1024 * 1024 / 1000

export type LoadContext = Pick<NodeContext, 'id' | 'db' | 'engine' | 'platform' | 'logger' | 'members' | 'stopping' | 'options'> & {
  data: Pick<DataPath, 'command'>
  isLeader(): boolean
  snapshot(): Promise<boolean>
}

export class NodeLoad {
  readonly #ctx: LoadContext
  /** One load at a time on this node: they share the upload file and the staging table. */
  #running: Promise<unknown> = Promise.resolve()
  #uploads = 0

  constructor(ctx: LoadContext) {
    this.#ctx = ctx
    this.#sweep()
  }

  /** Files a killed process left beside the database: uploads, vacuumed backups, staged loads. */
  #sweep(): void {
    const files = this.#files()
    const slash = this.#ctx.db.path.lastIndexOf('/')
    const dir = slash > 0 ? this.#ctx.db.path.slice(0, slash) : '/'
    const base = this.#ctx.db.path.slice(slash + 1)
    const leftover = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(upload-\\d+(-resized)?|backup-a?\\d+(-gz)?|load)(-journal)?$`)
    let names: string[]
    try {
      names = files.list(dir)
    } catch {
      return // nothing to sweep
    }
    for (const name of names) {
      if (!leftover.test(name)) continue
      files.delete(`${dir}/${name}`)
      this.#ctx.logger.for('backup').info('removed a file left by an interrupted backup or load', { file: name })
    }
  }

  /** Loads the SQLite file in `body` into every node (on the leader). */
  load(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }> {
    return this.#exclusive(() => this.#load(body))
  }

  /** Loads `body` into a lone node and snapshots it (rqlite's /boot). */
  boot(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }> {
    return this.#exclusive(async () => {
      this.#checkLoneLeader()
      const outcome = await this.#load(body)
      await this.#ctx.snapshot()
      return outcome
    })
  }

  #checkLoneLeader(): void {
    if (!this.#ctx.isLeader()) throw new StoreError('not leader')
    if (this.#ctx.members.list().length > 1) throw new StoreError('not single-node')
  }

  async #load(body: ReadableStream<Uint8Array>): Promise<{ raftIndex: number; bytes: number }> {
    const { db, logger, platform } = this.#ctx
    if (!this.#ctx.isLeader()) throw new StoreError('not leader')
    const log = logger.for('backup')
    const started = platform.clock.monotonic()
    const path = `${db.path}-upload-${++this.#uploads}`
    const files = this.#files()
    let commitProposed = false
    try {
      const received = await this.#receive(body, path)
      await (this.#ctx.engine ?? db).checkLoadable(path)
      const id = `${this.#ctx.id}-${platform.clock.now()}-${this.#uploads}`
      const handle = files.open(path, { create: false, readOnly: true })
      let seq = 0
      let crc = 0
      let bytes = 0
      // A few chunks in flight share fsyncs (group commit); they are proposed, so applied, in order.
      const inFlight: Promise<unknown>[] = []
      try {
        const size = handle.size()
        for (let offset = 0; offset < size || seq === 0; offset += CHUNK_BYTES) {
          const { payload, data: chunk } = loadChunkPayload(id, seq++, Math.min(CHUNK_BYTES, size - offset))
          if (handle.read(chunk, offset) !== chunk.length) throw new Error('the uploaded file shrank while it was being loaded')
          crc = crc32c(chunk, crc)
          bytes += chunk.length
          const proposed = this.#ctx.data.command(LOAD_CHUNK_COMMAND, payload)
          proposed.catch(() => {}) // seen when its turn comes; until then not "unhandled"
          inFlight.push(proposed)
          if (inFlight.length >= CHUNKS_IN_FLIGHT) await inFlight.shift()
        }
        await Promise.all(inFlight)
      } finally {
        handle.close()
        await Promise.allSettled(inFlight) // none left running behind a failure
      }
      // The commit's apply reassembles and copies the whole file: its wait grows with the size.
      const commitTimeoutMs = this.#ctx.options.raftApplyTimeoutMs + Math.ceil(bytes / COMMIT_BYTES_PER_MS)
      const commit = encodeLoadCommit({ id, chunks: seq, bytes, crc32c: crc })
      commitProposed = true
      const { raftIndex } = await this.#ctx.data.command(LOAD_COMMIT_COMMAND, commit, commitTimeoutMs)
      log.info('database loaded', { id, received, bytes, chunks: seq, raft_index: raftIndex, ms: Math.round(platform.clock.monotonic() - started) })
      return { raftIndex, bytes }
    } catch (e) {
      // Chunks alone change nothing; once the commit is proposed, a failed wait (a timeout, a
      // lost leadership) does not say whether it will apply.
      const outcome = commitProposed ? 'load failed after its commit was proposed; it may still apply' : 'load failed; the data is as it was'
      log.warn(outcome, { error: e instanceof Error ? e.message : String(e) })
      throw e
    } finally {
      if (files.exists(path)) files.delete(path)
    }
  }

  /** Writes the body to `path` as it arrives; returns its length. */
  async #receive(body: ReadableStream<Uint8Array>, path: string): Promise<number> {
    const files = this.#files()
    if (files.exists(path)) files.delete(path)
    const handle = files.open(path, { create: true })
    let offset = 0
    try {
      for await (const chunk of body) {
        if (this.#ctx.stopping()) throw new StoreError('store not open')
        handle.write(chunk, offset)
        offset += chunk.length
      }
    } finally {
      handle.close()
    }
    return offset
  }

  #files() {
    return this.#ctx.platform.files
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#running.then(work, work)
    this.#running = run.catch(() => {})
    return run
  }
}
