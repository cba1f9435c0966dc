/**
 * Snapshots of the SQLite state, crash-safe, and the fast restart they make possible.
 *
 * The live database (`db.sqlite`) is checkpointed only when a snapshot is taken, so between
 * snapshots its main file is exactly the last snapshot and everything newer lives in its
 * (unsynced) WAL. A copy of the file is kept in the store (`snapshot/data.db`), for followers
 * and for any doubt at start.
 *
 * Taking a snapshot has two steps. The first checkpoints the live WAL into the live file, in
 * one synchronous step with choosing the snapshot's index (no write can slip in), and fsyncs
 * the file while writes go on into a fresh WAL: that file is now the snapshot. The second runs
 * in the background too: it copies into the store's copy only the pages that checkpoint wrote
 * (the live file does not change again until the next snapshot), verifies the copy against
 * the live file, then records the snapshot. Writes pause only for the checkpoint itself. `pending.json` says which step a crash
 * interrupted, and the start finishes the job.
 *
 * At start: a live file that still matches the fingerprint is kept and only its WAL dropped (the
 * log is replayed from the snapshot on), so restart time does not grow with the database; any
 * doubt restores the store's copy.
 */
import { crc32c } from '../log/crc32c.ts'
import { type FileHandle, type FilePort, joinPath, syncHandle } from '../ports/file-port.ts'
import type { ConfState } from '../raft/types.ts'
import type { Member } from './members.ts'
import type { ByteRange, WriteTrackingFilePort } from '../storage/write-tracking-file-port.ts'

export interface SnapshotPoint {
  index: number
  term: number
  confState: ConfState
  members: Member[]
}

export interface SnapshotMeta extends SnapshotPoint {
  version: 1
  /** Fingerprint of the live database file right after the snapshot's checkpoint. */
  dbSize: number
  dbModifiedAt: number
  /** CRC-32C of the store's copy, once computed (in the background after a snapshot). */
  dataCrc32c?: number
}

/**
 * `checkpoint`: the live WAL is being folded into the live file, which may now be anything (the
 * WAL was not fsynced first: that would cost the pause a WAL-sized write-back); the store's copy
 * and the log are untouched. `copy`: the live file is the snapshot, durably; the store's copy is
 * catching up, and anything in the live WAL came later.
 */
export type PendingSnapshot = { phase: 'checkpoint' } | (SnapshotPoint & { phase: 'copy' })

/**
 * An install of a received snapshot began: from the moment its file is renamed over the store's
 * copy until `meta.json` names it, only this record says which snapshot the copy is. Until that
 * rename, `previous` (a local snapshot's step, if one was under way) still holds.
 */
interface PendingInstall {
  phase: 'install'
  point: SnapshotPoint
  dataCrc32c: number
  previous?: PendingSnapshot
}

/** A snapshot whose first step is done: the store's copy still has to catch up (`complete`). */
export interface SnapshotJob {
  readonly point: SnapshotPoint
  /** The ranges of the live file to copy; `undefined`: all of it. */
  readonly ranges: ByteRange[] | undefined
  readonly generation: number
}

export class SnapshotSupersededError extends Error {
  constructor() {
    super('snapshot: superseded while its copy was being made (a snapshot from the leader was installed)')
    this.name = 'SnapshotSupersededError'
  }
}

/** The store's copy did not come out equal to the live file: it is not recorded. */
export class SnapshotCopyMismatchError extends Error {
  constructor(detail: string) {
    super(`snapshot: the copy does not match the live database (${detail}); the next snapshot copies it whole`)
    this.name = 'SnapshotCopyMismatchError'
  }
}

/** A snapshot refused because an fsync of the live database failed earlier in this process. */
export class LiveSyncFailedError extends Error {
  constructor() {
    super(
      'snapshot: an fsync of the live database failed earlier; no snapshot is taken until the node ' +
        'restarts (it then restores the last good snapshot and replays the log)',
    )
    this.name = 'LiveSyncFailedError'
  }
}

/** The live side of a snapshot: the node's open database. */
export interface LiveDatabase {
  /** Folds the WAL into the file and empties the WAL (no fsync); false if a reader blocked it. */
  checkpoint(): boolean
}

/** What step one captures, at one instant: the point and the database that is at that point. */
export type SnapshotCapture = () => { point: SnapshotPoint; live: LiveDatabase }

export type StartMode = 'fresh' | 'fast' | 'restored'

const COPY_CHUNK = 1024 * 1024
const VERIFY_CHUNK = 4 * 1024 * 1024
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class SnapshotCorruptionError extends Error {
  constructor(path: string, detail: string) {
    super(
      `snapshot metadata ${path} is corrupt (${detail}); this node cannot trust its state: ` +
        'stop it, move its data directory aside, and rejoin it to the cluster',
    )
    this.name = 'SnapshotCorruptionError'
  }
}

export class SnapshotStore {
  readonly dir: string
  readonly dataPath: string
  readonly incomingPath: string
  /** The directory holding the live database. */
  readonly liveDir: string
  /** Checksums of received, verified snapshot files not yet installed, by `index-term`. */
  readonly #received = new Map<string, number>()
  /** Bumped whenever the store's copy is being replaced: background work on it gives up. */
  #generation = 0
  /** An fsync of the live file failed: it is not trusted until it is replaced or the node restarts. */
  #liveSyncFailed = false

  constructor(
    private readonly files: FilePort,
    dataDir: string,
    /** Path of the live database. */
    readonly livePath: string,
    /** Sees the writes to the live file; without it every snapshot copies the whole file. */
    private readonly liveWrites?: WriteTrackingFilePort,
  ) {
    this.dir = joinPath(dataDir, 'snapshot')
    this.dataPath = joinPath(this.dir, 'data.db')
    this.incomingPath = joinPath(this.dir, 'incoming.db')
    this.liveDir = livePath.includes('/') ? livePath.slice(0, livePath.lastIndexOf('/')) || '/' : '.'
    files.mkdirp(this.dir)
  }

  readMeta(): SnapshotMeta | undefined {
    return this.#readJson<SnapshotMeta>('meta.json')
  }

  readPending(): PendingSnapshot | undefined {
    return this.#readJson<PendingSnapshot>('pending.json')
  }

  /**
   * An install the crash interrupted. Its file still under its received name: the rename over the
   * store's copy never landed, nothing changed, and the step it interrupted (if any) stands. Else
   * the store's copy is that snapshot: the live file is made from it and `meta.json` names it.
   */
  #finishInstall(install: PendingInstall): PendingSnapshot | undefined {
    const { point, dataCrc32c, previous } = install
    if (this.files.exists(this.#receivedPath(point.index, point.term))) {
      // Put the record back as it was before the received file (which says "not installed") goes.
      if (previous) this.#writeJson('pending.json', previous)
      else this.#clearPending()
      return previous
    }
    this.#deleteLive(['-wal', '-shm', '-journal'])
    const copied = this.#copy(this.dataPath, this.livePath)
    if (copied !== dataCrc32c >>> 0) {
      throw new SnapshotCorruptionError(this.dataPath, `the installed snapshot reads with checksum ${copied}, not the ${dataCrc32c} received`)
    }
    this.#writeMeta({ ...point, version: 1, dbSize: 0, dbModifiedAt: 0, dataCrc32c })
    this.#clearPending()
    return undefined
  }

  /** Brings the live file to a state the log can be replayed onto (before it is opened). */
  prepareLive(): { meta?: SnapshotMeta; mode: StartMode } {
    const recorded = this.#readJson<PendingSnapshot | PendingInstall>('pending.json')
    const pending = recorded?.phase === 'install' ? this.#finishInstall(recorded) : recorded
    // Received snapshots not installed before the stop: Raft will ask again if it still needs one.
    for (const name of this.files.list(this.dir)) {
      if (/^received-\d+-\d+\.db$/.test(name)) this.files.delete(joinPath(this.dir, name))
    }
    if (pending?.phase === 'copy') {
      // Interrupted while the store's copy caught up: the live file is the snapshot.
      const { phase: _, ...point } = pending
      this.#deleteLive(['-wal', '-shm'])
      this.#copy(this.livePath, this.dataPath)
      this.#finish(point)
    } else if (pending) {
      // Interrupted in the checkpoint: the previous snapshot is intact, the log complete after it.
      this.#deleteLive(['', '-wal', '-shm'])
      this.files.delete(joinPath(this.dir, 'pending.json'))
    }
    const meta = this.readMeta()
    this.#deleteLive(['-wal', '-shm', '-journal'])
    if (!meta) {
      this.#deleteLive([''])
      return { mode: 'fresh' }
    }
    if (this.#matches(meta)) return { meta, mode: 'fast' }
    if (!this.files.exists(this.dataPath)) {
      throw new SnapshotCorruptionError(this.dataPath, 'the snapshot copy of the database is missing')
    }
    const copied = this.#copy(this.dataPath, this.livePath)
    if (meta.dataCrc32c !== undefined && copied !== meta.dataCrc32c >>> 0) {
      this.#deleteLive([''])
      throw new SnapshotCorruptionError(this.dataPath, `the snapshot copy reads with checksum ${copied}, not the ${meta.dataCrc32c} recorded`)
    }
    return { meta: this.#writeMeta(meta), mode: 'restored' }
  }

  /**
   * Step one of a snapshot: makes the live file the snapshot. Only `capture` and the checkpoint
   * after it run in one synchronous step (no write can slip in between them: the point is
   * exactly what the file holds); the fsyncs before and after leave the thread free, so writes
   * pause only for the checkpoint. `complete` does step two. Throws `SnapshotSupersededError`
   * if a snapshot from the leader is installed meanwhile.
   */
  async begin(capture: SnapshotCapture): Promise<SnapshotJob> {
    if (this.#liveSyncFailed) throw new LiveSyncFailedError()
    const generation = ++this.#generation // a checksum or copy still running is of an older copy
    const current = () => generation === this.#generation
    await this.#writeJsonAsync('pending.json', { phase: 'checkpoint' } satisfies PendingSnapshot, current)
    const { point, live } = capture()
    const ranges = this.#checkpoint(live)
    try {
      // Writes go on meanwhile: into the fresh WAL, never into the file.
      await this.#syncLive()
      await this.#writeJsonAsync('pending.json', { ...point, phase: 'copy' } satisfies PendingSnapshot, current)
    } catch (e) {
      // The record of what the checkpoint wrote is gone with this job: the next copy is whole.
      this.liveWrites?.forget()
      throw e
    }
    return this.#job(point, ranges, generation)
  }

  /**
   * Step two: brings the store's copy up to the live file, `yieldTo` between chunks so writes go
   * on meanwhile, and records the snapshot. Throws `SnapshotSupersededError` if the copy was
   * replaced meanwhile.
   */
  async complete(job: SnapshotJob, yieldTo: () => Promise<void>): Promise<SnapshotMeta> {
    const current = () => job.generation === this.#generation
    let dataCrc32c: number
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
      dataCrc32c = await this.#verifyCopy(job.ranges ? this.dataPath : `${this.dataPath}.tmp`, yieldTo, current)
      this.#placeCopy(job)
    } catch (e) {
      this.liveWrites?.forget() // the copy is in an unknown state: the next snapshot copies it whole
      if (!job.ranges) this.files.delete(`${this.dataPath}.tmp`)
      throw e
    }
    const meta = await this.#writeMetaAsync({ ...job.point, version: 1, dbSize: 0, dbModifiedAt: 0, dataCrc32c }, current)
    this.#clearPending()
    return meta
  }

  /** Both steps at once and blocking (at start, where nothing else runs). */
  create(point: SnapshotPoint, live: LiveDatabase): SnapshotMeta {
    const generation = ++this.#generation
    this.#writeJson('pending.json', { phase: 'checkpoint' } satisfies PendingSnapshot)
    const ranges = this.#checkpoint(live)
    try {
      const h = this.files.open(this.livePath, { create: false })
      try {
        h.sync()
      } finally {
        h.close()
      }
      this.files.syncDirectory(this.liveDir)
      this.#writeJson('pending.json', { ...point, phase: 'copy' } satisfies PendingSnapshot)
      const job = this.#job(point, ranges, generation)
      const copy = this.#openCopy(job)
      try {
        for (const _ of this.#copyChunks(copy, job));
        copy.target.sync()
      } finally {
        copy.close()
      }
      this.#placeCopy(job)
      return this.#finish(job.point)
    } catch (e) {
      this.liveWrites?.forget()
      throw e
    }
  }

  /** Makes the live file (which the checkpoint wrote) durable, off the thread where possible. */
  async #syncLive(): Promise<void> {
    const h = this.files.open(this.livePath, { create: false })
    try {
      await syncHandle(h)
      this.files.syncDirectory(this.liveDir) // SQLite created the file: its name must last too
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

  #checkpoint(live: LiveDatabase): ByteRange[] | undefined {
    if (!live.checkpoint()) throw new Error('snapshot: the checkpoint of the live database was blocked by a reader')
    return this.liveWrites?.takeWritten()
  }

  /**
   * Reads the store's (synced) copy and the live file whole and compares their checksums, so a
   * copy built from a wrong record of written pages is never named by `meta.json`. Returns the
   * copy's checksum. Costs one more read of the file than the background checksum did alone.
   */
  async #verifyCopy(path: string, yieldTo: () => Promise<void>, current: () => boolean): Promise<number> {
    const copy = this.files.open(path, { create: false, readOnly: true })
    try {
      const live = this.files.open(this.livePath, { create: false, readOnly: true })
      try {
        const size = live.size()
        if (copy.size() !== size) throw new SnapshotCopyMismatchError(`${copy.size()} bytes, the live file ${size}`)
        const a = new Uint8Array(Math.max(1, Math.min(VERIFY_CHUNK, size)))
        const b = new Uint8Array(a.length)
        let copyCrc = 0
        let liveCrc = 0
        for (let offset = 0; offset < size; ) {
          const n = copy.read(a, offset)
          if (n === 0 || live.read(b.subarray(0, n), offset) !== n) throw new SnapshotCopyMismatchError(`a short read at ${offset}`)
          copyCrc = crc32c(a.subarray(0, n), copyCrc)
          liveCrc = crc32c(b.subarray(0, n), liveCrc)
          offset += n
          await yieldTo()
          if (!current()) throw new SnapshotSupersededError()
        }
        if (copyCrc !== liveCrc) throw new SnapshotCopyMismatchError(`checksum ${copyCrc >>> 0}, the live file ${liveCrc >>> 0}`)
        return copyCrc >>> 0
      } finally {
        live.close()
      }
    } finally {
      copy.close()
    }
  }

  #job(point: SnapshotPoint, ranges: ByteRange[] | undefined, generation: number): SnapshotJob {
    const whole = ranges === undefined || !this.files.exists(this.dataPath) || this.files.exists(`${this.dataPath}-wal`)
    return { point, ranges: whole ? undefined : ranges, generation }
  }

  /** The store's copy to bring up to date: in place when only ranges change, else a new file. */
  #openCopy(job: SnapshotJob): { source: FileHandle; target: FileHandle; close(): void } {
    const source = this.files.open(this.livePath, { create: false, readOnly: true })
    try {
      const target = job.ranges ? this.files.open(this.dataPath, { create: false }) : this.#openTemp(this.dataPath)
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
    this.files.delete(`${this.dataPath}-wal`) // left by an older layout that folded WALs into the copy
    this.files.rename(`${this.dataPath}.tmp`, this.dataPath)
  }

  #openTemp(path: string) {
    this.files.delete(`${path}.tmp`)
    return this.files.open(`${path}.tmp`, { create: true })
  }

  /**
   * How many bytes of the snapshot (index, term) a broken transfer left in the incoming file:
   * a new attempt resumes after them. 0 when the partial file is of another snapshot, or none.
   */
  incomingBytes(index: number, term: number): number {
    const progress = this.#readJson<{ index: number; term: number }>('incoming.json')
    if (!progress || progress.index !== index || progress.term !== term) return 0
    return this.#size(this.incomingPath)
  }

  /** Records which snapshot the incoming file is about to hold (a transfer from byte 0). */
  beginIncoming(index: number, term: number): void {
    this.files.delete(this.incomingPath)
    this.#writeJson('incoming.json', { index, term })
  }

  /**
   * Records the store copy's checksum in the metadata of snapshot `index`, computing it a chunk
   * at a time (`yieldTo` between chunks keeps the node responsive). Gives up if another snapshot
   * replaces the copy meanwhile.
   */
  async recordChecksum(index: number, yieldTo: () => Promise<void>, chunk = 4 * 1024 * 1024): Promise<number | undefined> {
    const generation = this.#generation
    const recorded = this.readMeta()
    if (recorded?.index === index && recorded.dataCrc32c !== undefined) return recorded.dataCrc32c
    const h = this.files.open(this.dataPath, { create: false, readOnly: true })
    let crc = 0
    try {
      const size = h.size()
      const buffer = new Uint8Array(Math.max(1, Math.min(chunk, size)))
      for (let offset = 0; offset < size; ) {
        const n = h.read(buffer, offset)
        if (n === 0) break
        crc = crc32c(buffer.subarray(0, n), crc)
        offset += n
        await yieldTo()
        if (generation !== this.#generation || this.readMeta()?.index !== index) return undefined
      }
    } finally {
      h.close()
    }
    const meta = this.readMeta()
    const current = () => generation === this.#generation && this.readMeta()?.index === index
    if (!meta || !current()) return undefined
    try {
      await this.#writeJsonAsync('meta.json', { ...meta, dataCrc32c: crc >>> 0 }, current)
    } catch (e) {
      if (e instanceof SnapshotSupersededError) return undefined
      throw e
    }
    return crc >>> 0
  }

  /**
   * A transfer of snapshot (index, term) into the incoming file completed and checked out with
   * checksum `crc`: the file is set aside under that snapshot's name, so a later transfer
   * (another leader's) cannot touch it before Raft installs it.
   */
  acceptIncoming(index: number, term: number, crc: number): void {
    this.files.rename(this.incomingPath, this.#receivedPath(index, term))
    this.files.delete(joinPath(this.dir, 'incoming.json'))
    this.#received.set(`${index}-${term}`, crc >>> 0)
  }

  /**
   * A follower installs snapshot `point`, received and verified (`acceptIncoming`), with the live
   * file closed. Installs only the file received for exactly that index and term, and only if
   * it still reads with the checksum its transfer verified; else throws and changes nothing.
   */
  install(point: SnapshotPoint): SnapshotMeta {
    const key = `${point.index}-${point.term}`
    const received = this.#receivedPath(point.index, point.term)
    const expected = this.#received.get(key)
    if (expected === undefined || !this.files.exists(received)) {
      throw new Error(`snapshot: no verified file was received for snapshot ${point.index} of term ${point.term}`)
    }
    const liveTmp = `${this.livePath}.tmp`
    const crc = this.#copyToTemp(received, liveTmp)
    if (crc !== expected) {
      this.files.delete(liveTmp)
      throw new SnapshotCorruptionError(received, `it reads with checksum ${crc}, not the ${expected} its transfer verified`)
    }
    this.#generation++
    const prior = this.#readJson<PendingSnapshot | PendingInstall>('pending.json')
    const previous = prior?.phase === 'install' ? prior.previous : prior
    this.#writeJson('pending.json', { phase: 'install', point, dataCrc32c: crc, ...(previous ? { previous } : {}) } satisfies PendingInstall)
    this.files.delete(`${this.dataPath}-wal`)
    this.files.rename(received, this.dataPath)
    this.files.syncDirectory(this.dir)
    this.#deleteLive(['-wal', '-shm', '-journal'])
    this.files.rename(liveTmp, this.livePath)
    this.files.syncDirectory(this.liveDir)
    this.#liveSyncFailed = false // a new, synced file
    this.liveWrites?.markInSync()
    // Older received snapshots can never be installed now.
    for (const [k] of this.#received) if (Number(k.split('-')[0]) <= point.index) this.#received.delete(k)
    for (const name of this.files.list(this.dir)) {
      const m = /^received-(\d+)-\d+\.db$/.exec(name)
      if (m && Number(m[1]) <= point.index) this.files.delete(joinPath(this.dir, name))
    }
    const meta = this.#writeMeta({ ...point, version: 1, dbSize: 0, dbModifiedAt: 0, dataCrc32c: crc })
    this.#clearPending() // only now: until meta.json names the new copy, the record above does
    return meta
  }

  #receivedPath(index: number, term: number): string {
    return joinPath(this.dir, `received-${index}-${term}.db`)
  }

  #finish(point: SnapshotPoint): SnapshotMeta {
    const meta = this.#writeMeta({ ...point, version: 1, dbSize: 0, dbModifiedAt: 0 })
    this.#clearPending()
    return meta
  }

  #clearPending(): void {
    this.files.delete(joinPath(this.dir, 'pending.json'))
    this.files.syncDirectory(this.dir)
  }

  /** Writes the metadata with the live file's current fingerprint. */
  #writeMeta(meta: SnapshotMeta): SnapshotMeta {
    const fingerprinted = this.#fingerprint(meta)
    this.#writeJson('meta.json', fingerprinted)
    return fingerprinted
  }

  async #writeMetaAsync(meta: SnapshotMeta, current: () => boolean): Promise<SnapshotMeta> {
    const fingerprinted = this.#fingerprint(meta)
    await this.#writeJsonAsync('meta.json', fingerprinted, current)
    return fingerprinted
  }

  #fingerprint(meta: SnapshotMeta): SnapshotMeta {
    const h = this.files.open(this.livePath, { create: false, readOnly: true })
    try {
      return { ...meta, dbSize: h.size(), dbModifiedAt: h.modifiedAt() }
    } finally {
      h.close()
    }
  }

  #matches(meta: SnapshotMeta): boolean {
    if (!this.files.exists(this.livePath)) return false
    const h = this.files.open(this.livePath, { create: false, readOnly: true })
    try {
      return h.size() === meta.dbSize && h.modifiedAt() === meta.dbModifiedAt
    } finally {
      h.close()
    }
  }

  #deleteLive(suffixes: string[]): void {
    for (const suffix of suffixes) this.files.delete(`${this.livePath}${suffix}`)
  }

  #size(path: string): number {
    if (!this.files.exists(path)) return 0
    const h = this.files.open(path, { create: false, readOnly: true })
    try {
      return h.size()
    } finally {
      h.close()
    }
  }

  /** Copies a file and fsyncs the copy; returns the CRC-32C of what was copied. */
  #copy(from: string, to: string): number {
    const crc = this.#copyToTemp(from, `${to}.tmp`)
    this.files.rename(`${to}.tmp`, to)
    this.files.syncDirectory(to === this.livePath ? this.liveDir : this.dir)
    return crc
  }

  /** Copies a file into `tmp` and fsyncs it; returns the CRC-32C of what was copied. */
  #copyToTemp(from: string, tmp: string): number {
    const source = this.files.open(from, { create: false, readOnly: true })
    this.files.delete(tmp)
    const target = this.files.open(tmp, { create: true })
    let crc = 0
    try {
      const size = source.size()
      const buffer = new Uint8Array(Math.min(COPY_CHUNK, Math.max(1, size)))
      for (let offset = 0; offset < size; ) {
        const n = source.read(buffer, offset)
        if (n === 0) break
        target.write(buffer.subarray(0, n), offset)
        crc = crc32c(buffer.subarray(0, n), crc)
        offset += n
      }
      target.sync()
    } finally {
      source.close()
      target.close()
    }
    return crc >>> 0
  }

  /** JSON with a CRC-32C, replaced atomically (write, fsync, rename, fsync the directory). */
  #writeJson(name: string, value: unknown): void {
    const { path, tmp, h } = this.#writeJsonTemp(name, value)
    try {
      h.sync()
    } finally {
      h.close()
    }
    this.files.rename(tmp, path)
    this.files.syncDirectory(this.dir)
  }

  /**
   * `#writeJson` with the file's fsync off the thread. The rename happens only if `current()`
   * still holds right then (else `SnapshotSupersededError`): an install that ran meanwhile has
   * the last word on the store's files.
   */
  async #writeJsonAsync(name: string, value: unknown, current: () => boolean): Promise<void> {
    const { path, tmp, h } = this.#writeJsonTemp(name, value)
    try {
      await syncHandle(h)
    } finally {
      h.close()
    }
    if (!current()) {
      this.files.delete(tmp)
      throw new SnapshotSupersededError()
    }
    this.files.rename(tmp, path)
    this.files.syncDirectory(this.dir)
  }

  #writeJsonTemp(name: string, value: unknown): { path: string; tmp: string; h: FileHandle } {
    const body = JSON.stringify(value)
    const bytes = encoder.encode(JSON.stringify({ crc32c: crc32c(encoder.encode(body)), body }))
    const path = joinPath(this.dir, name)
    const tmp = `${path}.tmp`
    const h = this.files.open(tmp, { create: true })
    try {
      h.truncate(0)
      h.write(bytes, 0)
    } catch (e) {
      h.close()
      throw e
    }
    return { path, tmp, h }
  }

  #readJson<T>(name: string): T | undefined {
    const path = joinPath(this.dir, name)
    if (!this.files.exists(path)) return undefined
    const h = this.files.open(path, { create: false, readOnly: true })
    let text: string
    try {
      const bytes = new Uint8Array(h.size())
      h.read(bytes, 0)
      text = decoder.decode(bytes)
    } finally {
      h.close()
    }
    let outer: { crc32c?: unknown; body?: unknown }
    try {
      outer = JSON.parse(text) as typeof outer
    } catch {
      throw new SnapshotCorruptionError(path, 'not JSON')
    }
    if (typeof outer.body !== 'string' || outer.crc32c !== crc32c(encoder.encode(outer.body))) {
      throw new SnapshotCorruptionError(path, 'checksum mismatch')
    }
    return JSON.parse(outer.body) as T
  }
}
