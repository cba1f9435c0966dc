/**
 * Snapshots received from the leader: the incoming file a transfer writes (and resumes), the
 * verified files set aside until Raft installs them, the install itself with its `pending.json`
 * record, and the start's repair of an install a crash interrupted.
 */
import { joinPath } from '../ports/file-port.ts'
import { SnapshotCorruptionError } from './snapshot-errors.ts'
import type { SnapshotFiles } from './snapshot-files.ts'
import type { PendingInstall, PendingSnapshot, SnapshotMeta, SnapshotPoint } from './snapshot-types.ts'

/** What the install tells the side that takes snapshots: its copy and live file were replaced. */
export interface InstallListener {
  /** Before the store's copy is touched: work on the old one gives up. */
  supersede(): void
  /** After the new live file is in place. */
  liveReplaced(): void
}

export class SnapshotInstaller {
  /** Checksums of received, verified snapshot files not yet installed, by `index-term`. */
  readonly #received = new Map<string, number>()

  constructor(
    private readonly store: SnapshotFiles,
    private readonly listener: InstallListener,
  ) {}

  /** See `SnapshotStore.incomingBytes`. */
  incomingBytes(index: number, term: number): number {
    const progress = this.store.readJson<{ index: number; term: number }>('incoming.json')
    if (!progress || progress.index !== index || progress.term !== term) return 0
    return this.store.size(this.store.incomingPath)
  }

  /** Records which snapshot the incoming file is about to hold (a transfer from byte 0). */
  beginIncoming(index: number, term: number): void {
    this.store.files.delete(this.store.incomingPath)
    this.store.writeJson('incoming.json', { index, term })
  }

  /** See `SnapshotStore.reap`. */
  reap(current: number): number {
    const { files, dir, incomingPath } = this.store
    let reaped = 0
    const progress = this.store.readJson<{ index: number; term: number }>('incoming.json')
    // A broken transfer is kept to be resumed, but one of a snapshot no newer than ours never will be.
    if (progress && progress.index <= current) {
      files.delete(incomingPath)
      files.delete(joinPath(dir, 'incoming.json'))
      reaped++
    }
    for (const name of files.list(dir)) {
      const m = /^received-(\d+)-(\d+)\.db$/.exec(name)
      if (!m || Number(m[1]) > current) continue
      files.delete(joinPath(dir, name))
      this.#received.delete(`${m[1]}-${m[2]}`)
      reaped++
    }
    if (reaped > 0) files.syncDirectory(dir)
    return reaped
  }

  /** See `SnapshotStore.acceptIncoming`. */
  acceptIncoming(index: number, term: number, crc: number): void {
    const { files, dir, incomingPath } = this.store
    files.rename(incomingPath, this.store.receivedPath(index, term))
    files.delete(joinPath(dir, 'incoming.json'))
    this.#received.set(`${index}-${term}`, crc >>> 0)
  }

  /** See `SnapshotStore.install`. */
  install(point: SnapshotPoint): SnapshotMeta {
    const { store } = this
    const { files } = store
    const key = `${point.index}-${point.term}`
    const received = store.receivedPath(point.index, point.term)
    const expected = this.#received.get(key)
    if (expected === undefined || !files.exists(received)) {
      throw new Error(`snapshot: no verified file was received for snapshot ${point.index} of term ${point.term}`)
    }
    const liveTmp = `${store.livePath}.tmp`
    const { crc32c: crc, xxh32 } = store.copyToTemp(received, liveTmp)
    if (crc !== expected) {
      files.delete(liveTmp)
      throw new SnapshotCorruptionError(received, `it reads with checksum ${crc}, not the ${expected} its transfer verified`)
    }
    this.listener.supersede()
    const prior = store.readJson<PendingSnapshot | PendingInstall>('pending.json')
    const previous = prior?.phase === 'install' ? prior.previous : prior
    store.writeJson('pending.json', { phase: 'install', point, dataCrc32c: crc, dataXxh32: xxh32, ...(previous ? { previous } : {}) } satisfies PendingInstall)
    files.delete(`${store.dataPath}-wal`)
    files.rename(received, store.dataPath)
    files.syncDirectory(store.dir)
    store.deleteLive(['-wal', '-shm', '-journal'])
    files.rename(liveTmp, store.livePath)
    files.syncDirectory(store.liveDir)
    this.listener.liveReplaced() // a new, synced file
    // Older received snapshots can never be installed now.
    for (const [k] of this.#received) if (Number(k.split('-')[0]) <= point.index) this.#received.delete(k)
    for (const name of files.list(store.dir)) {
      const m = /^received-(\d+)-\d+\.db$/.exec(name)
      if (m && Number(m[1]) <= point.index) files.delete(joinPath(store.dir, name))
    }
    const meta = store.writeMeta({ ...point, version: 1, dbSize: 0, dbModifiedAt: 0, dataCrc32c: crc, dataXxh32: xxh32 })
    store.clearPending() // only now: until meta.json names the new copy, the record above does
    return meta
  }
}

/**
 * An install the crash interrupted. Its file still under its received name: the rename over the
 * store's copy never landed, nothing changed, and the step it interrupted (if any) stands. Else
 * the store's copy is that snapshot: the live file is made from it and `meta.json` names it.
 */
export function finishInstall(store: SnapshotFiles, install: PendingInstall): PendingSnapshot | undefined {
  const { point, dataCrc32c, previous } = install
  if (store.files.exists(store.receivedPath(point.index, point.term))) {
    // Put the record back as it was before the received file (which says "not installed") goes.
    if (previous) store.writeJson('pending.json', previous)
    else store.clearPending()
    return previous
  }
  store.deleteLive(['-wal', '-shm', '-journal'])
  const copied = store.copy(store.dataPath, store.livePath)
  if (copied.crc32c !== dataCrc32c >>> 0) {
    throw new SnapshotCorruptionError(store.dataPath, `the installed snapshot reads with checksum ${copied.crc32c}, not the ${dataCrc32c} received`)
  }
  store.writeMeta({ ...point, version: 1, dbSize: 0, dbModifiedAt: 0, dataCrc32c, dataXxh32: copied.xxh32 })
  store.clearPending()
  return undefined
}

/** Received snapshots not installed before the stop: Raft will ask again if it still needs one. */
export function dropReceived(store: SnapshotFiles): void {
  for (const name of store.files.list(store.dir)) {
    if (/^received-\d+-\d+\.db$/.test(name)) store.files.delete(joinPath(store.dir, name))
  }
}
