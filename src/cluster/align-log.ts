import type { LogStore } from './log-store.ts'
import type { SnapshotMeta } from './snapshot-store.ts'

/**
 * The database holds the snapshot in `meta`; make the log agree. Normally it already records
 * it; after a crash between installing a leader's snapshot and logging it, it lags behind.
 */
export function alignLogWithSnapshot(log: LogStore, meta: SnapshotMeta): void {
  const logged = log.snapshot().metadata.index
  if (meta.index <= logged) return
  const { index, term, confState } = meta
  if (log.lastIndex() >= index && log.term(index) === term) log.createSnapshot(index, confState)
  else log.applySnapshot({ index, term, confState })
  const hs = log.initialState().hardState
  if (hs.commit < index) log.setHardState({ ...hs, commit: index })
  log.sync()
}
