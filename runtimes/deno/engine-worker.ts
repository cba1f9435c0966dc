/**
 * The engine's Web Worker (Deno and Bun): the first message names the database to open; then it
 * serves the engine protocol (src/db/engine-protocol.ts). SQLite runs here, off the node's loop.
 */
import { Database, type DatabaseOptions } from '../../src/db/database.ts'
import { serveEngine } from '../../src/db/engine-protocol.ts'
import { InThreadEngine } from '../../src/db/in-thread-engine.ts'
import { NodeFilePort } from '../node/fs-file-port.ts'
import { WriteTrackingFilePort } from '../../src/storage/write-tracking-file-port.ts'

interface WorkerScope {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void
  onmessage: ((event: { data: unknown }) => void) | null
}

const scope = globalThis as unknown as WorkerScope
scope.onmessage = (first) => {
  const options = (first.data as { open: Omit<DatabaseOptions, 'files' | 'clock' | 'random'> }).open
  const handlers: ((message: unknown) => void)[] = []
  scope.onmessage = (event) => {
    for (const h of handlers) h(event.data)
  }
  // The snapshot store's copy catches up by the ranges this port saw written (takeWritten).
  const files = new WriteTrackingFilePort(new NodeFilePort(), options.path)
  Database.open({ ...options, files }).then(
    (database) => {
      serveEngine(new InThreadEngine(database, files), { send: (m, t) => scope.postMessage(m, t), onMessage: (h) => handlers.push(h) })
      scope.postMessage({ ready: true })
    },
    (e: unknown) => scope.postMessage({ failed: e instanceof Error ? e.message : String(e) }),
  )
}
