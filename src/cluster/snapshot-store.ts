/**
 * Snapshots of the SQLite state, crash-safe, and the fast restart they make possible.
 *
 * The live database (`db.sqlite`) is checkpointed only when a snapshot is taken, so between
 * snapshots its main file is exactly the last snapshot and everything newer lives in its
 * (unsynced) WAL. A copy of the file is kept in the store (`snapshot/data.db`), for followers
 * and for any doubt at start.
 *
 * This class is the façade over the store's parts, each in its own file: taking a snapshot
 * (`snapshot-taking.ts`: checkpoint, copy, verify), receiving and installing the leader's
 * (`snapshot-install.ts`), the recovery at start (`snapshot-recovery.ts`), and the files and
 * records they share (`snapshot-files.ts`, `snapshot-json.ts`).
 */
import type { FilePort } from '../ports/file-port.ts'
import type { ByteRange, WriteTrackingFilePort } from '../storage/write-tracking-file-port.ts'
import { SnapshotFiles } from './snapshot-files.ts'
import { SnapshotInstaller } from './snapshot-install.ts'
import { prepareLive } from './snapshot-recovery.ts'
import { SnapshotTaker } from './snapshot-taking.ts'
import type { LiveDatabase, PendingSnapshot, SnapshotCapture, SnapshotJob, SnapshotMeta, SnapshotPoint, StartMode } from './snapshot-types.ts'

export { LiveSyncFailedError, SnapshotCopyMismatchError, SnapshotCorruptionError, SnapshotSupersededError } from './snapshot-errors.ts'
export type { LiveDatabase, PendingSnapshot, SnapshotCapture, SnapshotJob, SnapshotMeta, SnapshotPoint, StartMode } from './snapshot-types.ts'

export class SnapshotStore {
  readonly #files: SnapshotFiles
  readonly #taker: SnapshotTaker
  readonly #installer: SnapshotInstaller
  readonly #liveWrites: WriteTrackingFilePort | undefined

  constructor(
    files: FilePort,
    dataDir: string,
    /** Path of the live database. */
    readonly livePath: string,
    /** Sees the writes to the live file; without it every snapshot copies the whole file. */
    liveWrites?: WriteTrackingFilePort,
  ) {
    this.#files = new SnapshotFiles(files, dataDir, livePath)
    this.#taker = new SnapshotTaker(this.#files, liveWrites)
    this.#liveWrites = liveWrites
    this.#installer = new SnapshotInstaller(this.#files, this.#taker)
  }

  /** What the engine's worker wrote to the live file (its own port saw it, not this one). */
  noteLiveWrites(ranges: readonly ByteRange[] | null): void {
    this.#liveWrites?.noteWritten(ranges)
  }

  get dir(): string {
    return this.#files.dir
  }

  get dataPath(): string {
    return this.#files.dataPath
  }

  get incomingPath(): string {
    return this.#files.incomingPath
  }

  /** The directory holding the live database. */
  get liveDir(): string {
    return this.#files.liveDir
  }

  readMeta(): SnapshotMeta | undefined {
    return this.#files.readMeta()
  }

  readPending(): PendingSnapshot | undefined {
    return this.#files.readPending()
  }

  /** Brings the live file to a state the log can be replayed onto (before it is opened). */
  prepareLive(): { meta?: SnapshotMeta; mode: StartMode } {
    return prepareLive(this.#files)
  }

  /**
   * Step one of a snapshot: makes the live file the snapshot. Only `capture` and the checkpoint
   * after it run in one synchronous step (no write can slip in between them: the point is
   * exactly what the file holds); the fsyncs before and after leave the thread free, so writes
   * pause only for the checkpoint. `complete` does step two. Throws `SnapshotSupersededError`
   * if a snapshot from the leader is installed meanwhile.
   */
  begin(capture: SnapshotCapture): Promise<SnapshotJob> {
    return this.#taker.begin(capture)
  }

  /**
   * Step two: brings the store's copy up to the live file, `yieldTo` between chunks so writes go
   * on meanwhile, and records the snapshot. Throws `SnapshotSupersededError` if the copy was
   * replaced meanwhile.
   */
  complete(job: SnapshotJob, yieldTo: () => Promise<void>): Promise<SnapshotMeta> {
    return this.#taker.complete(job, yieldTo)
  }

  /** Both steps at once and blocking (at start, where nothing else runs). */
  create(point: SnapshotPoint, live: LiveDatabase): SnapshotMeta {
    return this.#taker.create(point, live)
  }

  /**
   * Records the store copy's checksum in the metadata of snapshot `index`, computing it a chunk
   * at a time (`yieldTo` between chunks keeps the node responsive). Gives up if another snapshot
   * replaces the copy meanwhile.
   */
  recordChecksum(index: number, yieldTo: () => Promise<void>, chunk?: number): Promise<number | undefined> {
    return this.#taker.recordChecksum(index, yieldTo, chunk)
  }

  /**
   * How many bytes of the snapshot (index, term) a broken transfer left in the incoming file:
   * a new attempt resumes after them. 0 when the partial file is of another snapshot, or none.
   */
  incomingBytes(index: number, term: number): number {
    return this.#installer.incomingBytes(index, term)
  }

  /**
   * rqlite's reap: deletes snapshot files that can never be used, those of snapshots no newer
   * than `current` (a broken transfer's, a received one never installed). Returns how many.
   */
  reap(current: number): number {
    return this.#installer.reap(current)
  }

  /** Records which snapshot the incoming file is about to hold (a transfer from byte 0). */
  beginIncoming(index: number, term: number): void {
    this.#installer.beginIncoming(index, term)
  }

  /**
   * A transfer of snapshot (index, term) into the incoming file completed and checked out with
   * checksum `crc`: the file is set aside under that snapshot's name, so a later transfer
   * (another leader's) cannot touch it before Raft installs it.
   */
  acceptIncoming(index: number, term: number, crc: number): void {
    this.#installer.acceptIncoming(index, term, crc)
  }

  /**
   * A follower installs snapshot `point`, received and verified (`acceptIncoming`), with the live
   * file closed. Installs only the file received for exactly that index and term, and only if
   * it still reads with the checksum its transfer verified; else throws and changes nothing.
   */
  install(point: SnapshotPoint): SnapshotMeta {
    return this.#installer.install(point)
  }
}
