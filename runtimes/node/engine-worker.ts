/**
 * The engine's worker on Node (`worker_threads`): opens the node's database on the real file
 * system and serves the engine protocol (src/db/engine-protocol.ts) to the thread that started
 * it. SQLite runs here, so a long statement never stops the node's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Database, type DatabaseOptions } from '../../src/db/database.ts'
import { serveEngine } from '../../src/db/engine-protocol.ts'
import { InThreadEngine } from '../../src/db/in-thread-engine.ts'
import { NodeFilePort } from './fs-file-port.ts'
import { WriteTrackingFilePort } from '../../src/storage/write-tracking-file-port.ts'

export type EngineWorkerOptions = Omit<DatabaseOptions, 'files' | 'clock' | 'random'>

const port = parentPort
if (!port) throw new Error('engine-worker.ts runs as a worker thread')
const options = workerData as EngineWorkerOptions
// The snapshot store's copy catches up by the ranges this port saw written (takeWritten).
const files = new WriteTrackingFilePort(new NodeFilePort(), options.path)
const database = await Database.open({ ...options, files })
serveEngine(new InThreadEngine(database, files), {
  send: (message, transfer) => port.postMessage(message, transfer),
  onMessage: (handler) => port.on('message', handler),
})
port.postMessage({ ready: true })
