/**
 * Starts the engine in a Web Worker (Deno and Bun) and returns the node's side of it; resolves
 * once the database is open there.
 */
import type { DatabaseOptions } from '../../src/db/database.ts'
import { RemoteEngine } from '../../src/db/engine-protocol.ts'

interface WebWorker {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void
  terminate(): void
}
declare const Worker: new (url: URL, options: { type: 'module' }) => WebWorker

export async function startWebEngineWorker(options: Omit<DatabaseOptions, 'files' | 'clock' | 'random'>): Promise<RemoteEngine> {
  // From sources (JSR, this checkout) the worker is TypeScript; the npm package ships it
  // compiled beside this module (dist/lib), where the URL is not rewritten for us.
  const compiled = !import.meta.url.endsWith('.ts')
  const worker = new Worker(new URL(compiled ? './engine-worker.js' : './engine-worker.ts', import.meta.url), { type: 'module' })
  const failures = new Set<(error: Error) => void>()
  worker.addEventListener('error', (event) => {
    for (const f of failures) f(new Error(`the engine worker failed: ${event.message ?? 'unknown error'}`))
  })
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(error)
    failures.add(fail)
    worker.addEventListener('message', function first(event) {
      const data = event.data as { ready?: boolean; failed?: string }
      if (data?.ready) resolve()
      else if (data?.failed) reject(new Error(`the engine worker did not start: ${data.failed}`))
      failures.delete(fail)
    })
    worker.postMessage({ open: options })
  })
  const handlers: ((message: unknown) => void)[] = []
  worker.addEventListener('message', (event) => {
    if ((event.data as { ready?: boolean })?.ready) return
    for (const h of handlers) h(event.data)
  })
  return new RemoteEngine({
    send: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (handler) => handlers.push(handler),
    onFailure: (handler) => failures.add(handler),
    terminate: async () => worker.terminate(),
  })
}
