/**
 * The start's recovery: finishes or drops what a crash interrupted (`pending.json`), then keeps a
 * live file that still matches the fingerprint, dropping only its WAL (the log is replayed from
 * the snapshot on), so restart time does not grow with the database; any doubt restores the
 * store's copy.
 */
import { joinPath } from '../ports/file-port.ts'
import { SnapshotCorruptionError } from './snapshot-errors.ts'
import type { SnapshotFiles } from './snapshot-files.ts'
import { dropReceived, finishInstall } from './snapshot-install.ts'
import type { PendingInstall, PendingSnapshot, SnapshotMeta, StartMode } from './snapshot-types.ts'

/** Brings the live file to a state the log can be replayed onto (before it is opened). */
export function prepareLive(store: SnapshotFiles): { meta?: SnapshotMeta; mode: StartMode } {
  const recorded = store.readJson<PendingSnapshot | PendingInstall>('pending.json')
  const pending = recorded?.phase === 'install' ? finishInstall(store, recorded) : recorded
  dropReceived(store)
  if (pending?.phase === 'copy') {
    // Interrupted while the store's copy caught up: the live file is the snapshot.
    const { phase: _, ...point } = pending
    store.deleteLive(['-wal', '-shm'])
    store.copy(store.livePath, store.dataPath)
    store.finish(point)
  } else if (pending) {
    // Interrupted in the checkpoint: the previous snapshot is intact, the log complete after it.
    store.deleteLive(['', '-wal', '-shm'])
    store.files.delete(joinPath(store.dir, 'pending.json'))
  }
  const meta = store.readMeta()
  store.deleteLive(['-wal', '-shm', '-journal'])
  if (!meta) {
    store.deleteLive([''])
    return { mode: 'fresh' }
  }
  if (store.matches(meta)) return { meta, mode: 'fast' }
  if (!store.files.exists(store.dataPath)) {
    throw new SnapshotCorruptionError(store.dataPath, 'the snapshot copy of the database is missing')
  }
  const copied = store.copy(store.dataPath, store.livePath)
  if (meta.dataCrc32c === undefined) return { meta: store.writeMeta(meta), mode: 'restored' }
  if (copied.crc32c !== meta.dataCrc32c >>> 0) {
    store.deleteLive([''])
    throw new SnapshotCorruptionError(store.dataPath, `the snapshot copy reads with checksum ${copied.crc32c}, not the ${meta.dataCrc32c} recorded`)
  }
  // Verified against the CRC: a meta written before XXH32 was recorded gains it here.
  return { meta: store.writeMeta({ ...meta, dataXxh32: copied.xxh32 }), mode: 'restored' }
}
