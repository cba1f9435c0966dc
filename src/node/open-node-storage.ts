/**
 * Opens what a node keeps on disk: the lock on its data directory, the Raft log (bootstrapped as
 * a one-member cluster when new and not joining), the snapshot store and the database (the last
 * snapshot, kept as is when it still matches its fingerprint), and applies a peers.json.
 */
import { createSharedWalIndexBuffer } from '../sqlite/shared-wal-index.ts'
import { RemoteEngine } from '../db/engine-protocol.ts'
import { LoopReader } from '../db/loop-reader.ts'
import { LoopReadEngine } from '../db/loop-read-engine.ts'
import { advertisedApiAddr } from './api-url.ts'
import type { LogStore } from '../cluster/log-store.ts'
import { encodeMemberContext, type Member } from '../cluster/members.ts'
import { alignLogWithSnapshot } from '../cluster/align-log.ts'
import { readPeersFile, recoverWithPeers, retirePeersFile } from '../cluster/peers-recovery.ts'
import { SnapshotStore, type StartMode } from '../cluster/snapshot-store.ts'
import { Database, type SqlFunction } from '../db/database.ts'
import { joinPath } from '../ports/file-port.ts'
import { bootstrapState } from '../raft/conf-change.ts'
import { WriteTrackingFilePort } from '../storage/write-tracking-file-port.ts'
import type { NodeOptions } from './node-options.ts'
import { openLogStore } from './open-log-store.ts'
import type { Platform } from './platform.ts'
import type { Engine } from '../db/engine.ts'

export interface StartState {
  /** Index the database holds (its snapshot); the log replays from there. */
  applied: number
  mode: StartMode
  members?: Member[]
  /** A raft/peers.json forced the membership at this start. */
  recovered?: boolean
}

export interface NodeStorage {
  /** In the thread; closed once the engine runs in a worker (`engine`). */
  db: Database
  /** The database in a worker, when the platform runs one (docs/engine.md). */
  engine: Engine | null
  log: LogStore
  snapshots: SnapshotStore
  start: StartState
  /** Closes the database and the log and releases the directory. */
  close(): void
  unlock(): void
}

export async function openNodeStorage(options: NodeOptions, platform: Platform, logOverride?: LogStore, functions?: ReadonlyMap<string, SqlFunction>, inThread = false): Promise<NodeStorage> {
  // SQL functions are functions of this thread too: with any, the database stays here.
  const startEngine = inThread || options.dbEngine === 'thread' || (functions?.size ?? 0) > 0 ? undefined : platform.startEngine
  const { files } = platform
  files.mkdirp(options.dataDir)
  const unlock = files.lock(joinPath(options.dataDir, 'LOCK'))
  let db: Database | undefined
  let log: LogStore | undefined
  try {
    log = logOverride ?? openLogStore(files, joinPath(options.dataDir, 'raft'))
    const fresh = log.initialState().hardState.term === 0 && log.lastIndex() === 0
    if (fresh && options.join.length === 0) {
      if (options.raftNonVoter) throw new Error('a non-voting node cannot bootstrap a cluster: give it -join')
      const context = encodeMemberContext({ raftAddr: options.raftAdvAddr, apiAddr: advertisedApiAddr(options) })
      const { entries, hardState } = bootstrapState([options.nodeId], { [options.nodeId]: context })
      log.append(entries)
      log.setHardState(hardState)
      log.sync()
    }
    // The log is the source of truth and SQLite runs unsynced: the database is the last
    // snapshot (kept as is when it still matches its fingerprint) plus a replay of the log.
    const dbPath = options.onDiskPath || joinPath(options.dataDir, 'db.sqlite')
    if (options.onDiskPath) files.mkdirp(dbPath.includes('/') ? dbPath.slice(0, dbPath.lastIndexOf('/')) || '/' : '.')
    const liveWrites = new WriteTrackingFilePort(files, dbPath)
    // A worker writes the file through a tracking port of its own and reports what it wrote
    // with each snapshot's checkpoint (node-snapshots.ts): this port then learns it.
    const snapshots = new SnapshotStore(files, options.dataDir, dbPath, liveWrites)
    const prepared = snapshots.prepareLive()
    if (prepared.meta) alignLogWithSnapshot(log, prepared.meta)
    db = await Database.open({
      files: liveWrites,
      path: dbPath,
      clock: platform.clock,
      random: platform.random,
      foreignKeys: options.foreignKeys,
      synchronous: 'off',
      checkpointWalBytes: 0, // only snapshots checkpoint
      checkpointOnClose: false,
      functions,
    })
    let start: StartState = { applied: prepared.meta?.index ?? 0, mode: prepared.mode, members: prepared.meta?.members }
    const raftDir = joinPath(options.dataDir, 'raft')
    const peers = readPeersFile(files, raftDir)
    if (peers) {
      start = { ...start, ...recoverWithPeers(peers, log, db, snapshots, start, options), recovered: true }
      retirePeersFile(files, raftDir)
    }
    let engine: Engine | null = null
    if (startEngine) {
      // Recovery is done in the thread; from here on the worker owns the file.
      db.close()
      // Short reads run on the loop beside it, through a WAL index the two share (loop-reader.ts).
      const loopReads = options.dbEngine !== 'worker-all'
      const sharedWalIndex = loopReads ? createSharedWalIndexBuffer() : undefined
      const worker = await startEngine({ path: dbPath, foreignKeys: options.foreignKeys, synchronous: 'off', checkpointWalBytes: 0, checkpointOnClose: false, sharedWalIndex })
      engine = worker
      if (worker instanceof RemoteEngine && sharedWalIndex) {
        try {
          const reader = await LoopReader.open({ files, path: dbPath, sharedWalIndex, clock: platform.clock, foreignKeys: options.foreignKeys })
          engine = new LoopReadEngine(worker, reader, (fn) => platform.timers.defer(fn))
        } catch (e) {
          await worker.close().catch(() => {})
          throw e
        }
      }
    }
    const opened = { db, log }
    return {
      db,
      engine,
      log,
      snapshots,
      start,
      unlock,
      close: () => {
        void engine?.close().catch(() => {}) // its WAL writes are in the file already; the log replays the rest
        opened.db.close()
        opened.log.close()
        unlock()
      },
    }
  } catch (e) {
    db?.close()
    log?.close()
    unlock()
    throw e
  }
}
