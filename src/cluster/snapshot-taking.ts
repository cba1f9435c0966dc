/**
 * Taking a snapshot, in two steps. The first checkpoints the live WAL into the live file, in one
 * synchronous step with choosing the snapshot's index (no write can slip in), and fsyncs the
 * file while writes go on into a fresh WAL: that file is now the snapshot. The second, in the
 * background, copies into the store's copy only the pages that checkpoint wrote (the live file
 * does not change again until the next snapshot), verifies the copy against the live file, then
 * records the snapshot. `pending.json` says which step a crash interrupted.
 *
 * Owns the copy's generation (bumped whenever the store's copy is being replaced: background
 * work on it gives up) and whether the live file may be trusted after a failed fsync.
 */
import { crc32c } from '../log/crc32c.ts'
import { type DataDigest, DataDigester } from './data-digest.ts'
import { type FileHandle, syncDirectoryAsync, syncHandle } from '../ports/file-port.ts'
import type { ByteRange, WriteTrackingFilePort } from '../storage/write-tracking-file-port.ts'
import { LiveSyncFailedError, SnapshotCopyMismatchError, SnapshotSupersededError } from './snapshot-errors.ts'
import { COPY_CHUNK, type SnapshotFiles } from './snapshot-files.ts'
import type { LiveDatabase, PendingSnapshot, SnapshotCapture, SnapshotJob, SnapshotMeta, SnapshotPoint } from './snapshot-types.ts'

const VERIFY_CHUNK = 4 * 1024 * 1024

export class SnapshotTaker {
  /** Bumped whenever the store's copy is being replaced: background work on it gives up. */
  #generation = 0
  /** An fsync of the live file failed: it is not trusted until it is replaced or the node restarts. */
  #liveSyncFailed = false

  constructor(
    private readonly store: SnapshotFiles,
    /** Sees the writes to the live file; without it every snapshot copies the whole file. */
    private readonly liveWrites?: WriteTrackingFilePort,
  ) {}

  /** The store's copy is about to be replaced (an install): work on the old one gives up. */
  supersede(): void {
    this.#generation++
  }

  /** The live file was replaced by a new, synced one: it is trusted again, and all of it is known. */
  liveReplaced(): void {
    this.#liveSyncFailed = false
    this.liveWrites?.markInSync()
  }

  /** See `SnapshotStore.begin`. */
  async begin(capture: SnapshotCapture): Promise<SnapshotJob> {
    if (this.#liveSyncFailed) throw new LiveSyncFailedError()
    const generation = ++this.#generation // a checksum or copy still running is of an older copy
    const current = () => generation === this.#generation
    await this.store.writeJsonAsync('pending.json', { phase: 'checkpoint' } satisfies PendingSnapshot, current)
    // Synchronous where the database is in this thread: nothing can be applied in between.
    const captured = capture()
    const { point, live } = captured instanceof Promise ? await captured : captured
    const ranges = this.#checkpointed(await live.checkpoint())
    try {
      // Writes go on meanwhile: into the fresh WAL, never into the file.
      await this.#syncLive()
      await this.store.writeJsonAsync('pending.json', { ...point, phase: 'copy' } satisfies PendingSnapshot, current)
    } catch (e) {
      // The record of what the checkpoint wrote is gone with this job: the next copy is whole.
      this.liveWrites?.forget()
      throw e
    }
    return this.#job(point, ranges, generation)
  }

  /** See `SnapshotStore.complete`. */
  async complete(job: SnapshotJob, yieldTo: () => Promise<void>): Promise<SnapshotMeta> {
    const { store } = this
    const current = () => job.generation === this.#generation
    let digest: DataDigest
    try {
      const copy = this.#openCopy(job)
      try {
        for (const _ of this.#copyChunks(copy, job)) {
          await yieldTo()
          if (!current()) throw new SnapshotSupersededError()
        }
        await syncHandle(copy.target)
      } finally {
        copy.close()
      }
      if (!current()) throw new SnapshotSupersededError()
      digest = await this.#verifyCopy(job.ranges ? store.dataPath : `${store.dataPath}.tmp`, yieldTo, current)
      this.#placeCopy(job)
    } catch (e) {
      this.liveWrites?.forget() // the copy is in an unknown state: the next snapshot copies it whole
      if (!job.ranges) store.files.delete(`${store.dataPath}.tmp`)
      throw e
    }
    const meta = await store.writeMetaAsync({ ...job.point, version: 1, dbSize: 0, dbModifiedAt: 0, dataCrc32c: digest.crc32c, dataXxh32: digest.xxh32 }, current)
    await store.clearPendingAsync()
    return meta
  }

  /** Both steps at once and blocking (at start, where nothing else runs). */
  create(point: SnapshotPoint, live: LiveDatabase): SnapshotMeta {
    const { store } = this
    const generation = ++this.#generation
    store.writeJson('pending.json', { phase: 'checkpoint' } satisfies PendingSnapshot)
    const done = live.checkpoint()
    if (typeof done !== 'boolean') throw new Error('snapshot: a blocking snapshot needs the database in this thread')
    const ranges = this.#checkpointed(done)
    try {
      const h = store.files.open(store.livePath, { create: false })
      try {
        h.sync()
      } finally {
        h.close()
      }
      store.files.syncDirectory(store.liveDir)
      store.writeJson('pending.json', { ...point, phase: 'copy' } satisfies PendingSnapshot)
      const job = this.#job(point, ranges, generation)
      const copy = this.#openCopy(job)
      try {
        for (const _ of this.#copyChunks(copy, job));
        copy.target.sync()
      } finally {
        copy.close()
      }
      this.#placeCopy(job)
      return store.finish(job.point)
    } catch (e) {
      this.liveWrites?.forget()
      throw e
    }
  }

  /** See `SnapshotStore.recordChecksum`. */
  async recordChecksum(index: number, yieldTo: () => Promise<void>, chunk = 4 * 1024 * 1024): Promise<number | undefined> {
    const { store } = this
    const generation = this.#generation
    const recorded = store.readMeta()
    if (recorded?.index === index && recorded.dataCrc32c !== undefined) return recorded.dataCrc32c
    const h = store.files.open(store.dataPath, { create: false, readOnly: true })
    const digester = new DataDigester()
    try {
      const size = h.size()
      const buffer = new Uint8Array(Math.max(1, Math.min(chunk, size)))
      for (let offset = 0; offset < size; ) {
        const n = h.read(buffer, offset)
        if (n === 0) break
        digester.update(buffer.subarray(0, n))
        offset += n
        await yieldTo()
        if (generation !== this.#generation || store.readMeta()?.index !== index) return undefined
      }
    } finally {
      h.close()
    }
    const meta = store.readMeta()
    const current = () => generation === this.#generation && store.readMeta()?.index === index
    if (!meta || !current()) return undefined
    const digest = digester.digest()
    try {
      await store.writeJsonAsync('meta.json', { ...meta, dataCrc32c: digest.crc32c, dataXxh32: digest.xxh32 }, current)
    } catch (e) {
      if (e instanceof SnapshotSupersededError) return undefined
      throw e
    }
    return digest.crc32c
  }

  /** Makes the live file (which the checkpoint wrote) durable, off the thread where possible. */
  async #syncLive(): Promise<void> {
    const { store } = this
    const h = store.files.open(store.livePath, { create: false })
    try {
      await syncHandle(h)
      await syncDirectoryAsync(store.files, store.liveDir) // SQLite created the file: its name must last too
    } catch (e) {
      // After a failed fsync the file's pages may be lost on disk though they read back fine
      // (the kernel may mark them clean): no snapshot may name this file until a restart, which
      // (pending.json still says `checkpoint`) restores the last good copy and replays the log.
      this.#liveSyncFailed = true
      throw e
    } finally {
      h.close()
    }
  }

  #checkpointed(done: boolean): ByteRange[] | undefined {
    if (!done) throw new Error('snapshot: the checkpoint of the live database was blocked by a reader')
    return this.liveWrites?.takeWritten()
  }

  /**
   * Reads the store's (synced) copy and the live file whole and compares their checksums, so a
   * copy built from a wrong record of written pages is never named by `meta.json`. Returns the
   * copy's checksum. Costs one more read of the file than the background checksum did alone.
   */
  async #verifyCopy(path: string, yieldTo: () => Promise<void>, current: () => boolean): Promise<DataDigest> {
    const { files } = this.store
    const copy = files.open(path, { create: false, readOnly: true })
    try {
      const live = files.open(this.store.livePath, { create: false, readOnly: true })
      try {
        const size = live.size()
        if (copy.size() !== size) throw new SnapshotCopyMismatchError(`${copy.size()} bytes, the live file ${size}`)
        const a = new Uint8Array(Math.max(1, Math.min(VERIFY_CHUNK, size)))
        const b = new Uint8Array(a.length)
        const copyDigest = new DataDigester()
        let liveCrc = 0
        for (let offset = 0; offset < size; ) {
          const n = copy.read(a, offset)
          if (n === 0 || live.read(b.subarray(0, n), offset) !== n) throw new SnapshotCopyMismatchError(`a short read at ${offset}`)
          copyDigest.update(a.subarray(0, n))
          liveCrc = crc32c(b.subarray(0, n), liveCrc)
          offset += n
          await yieldTo()
          if (!current()) throw new SnapshotSupersededError()
        }
        const digest = copyDigest.digest()
        if (digest.crc32c !== liveCrc >>> 0) throw new SnapshotCopyMismatchError(`checksum ${digest.crc32c}, the live file ${liveCrc >>> 0}`)
        return digest
      } finally {
        live.close()
      }
    } finally {
      copy.close()
    }
  }

  #job(point: SnapshotPoint, ranges: ByteRange[] | undefined, generation: number): SnapshotJob {
    const { files, dataPath } = this.store
    const whole = ranges === undefined || !files.exists(dataPath) || files.exists(`${dataPath}-wal`)
    return { point, ranges: whole ? undefined : ranges, generation }
  }

  /** The store's copy to bring up to date: in place when only ranges change, else a new file. */
  #openCopy(job: SnapshotJob): { source: FileHandle; target: FileHandle; close(): void } {
    const { files, dataPath, livePath } = this.store
    const source = files.open(livePath, { create: false, readOnly: true })
    try {
      const target = job.ranges ? files.open(dataPath, { create: false }) : this.#openTemp(dataPath)
      return {
        source,
        target,
        close: () => {
          source.close()
          target.close()
        },
      }
    } catch (e) {
      source.close()
      throw e
    }
  }

  /** Copies what the store's copy lacks from the live file; yields after each chunk. */
  *#copyChunks(copy: { source: FileHandle; target: FileHandle }, job: SnapshotJob): Generator<void> {
    const { source, target } = copy
    const size = source.size()
    const buffer = new Uint8Array(COPY_CHUNK)
    for (const range of job.ranges ?? [{ offset: 0, length: size }]) {
      const end = Math.min(size, range.offset + range.length)
      for (let offset = range.offset; offset < end; ) {
        const n = source.read(buffer.subarray(0, Math.min(COPY_CHUNK, end - offset)), offset)
        if (n === 0) break
        target.write(buffer.subarray(0, n), offset)
        offset += n
        yield
      }
    }
    target.truncate(size)
  }

  /** A whole new copy (synced and closed) replaces the old one. */
  #placeCopy(job: SnapshotJob): void {
    if (job.ranges) return
    const { files, dataPath } = this.store
    files.delete(`${dataPath}-wal`) // left by an older layout that folded WALs into the copy
    files.rename(`${dataPath}.tmp`, dataPath)
  }

  #openTemp(path: string): FileHandle {
    const { files } = this.store
    files.delete(`${path}.tmp`)
    return files.open(`${path}.tmp`, { create: true })
  }
}
