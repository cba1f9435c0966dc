/**
 * Starts the engine in a `worker_threads` worker (runtimes/node/engine-worker.ts) and returns
 * the node's side of it. Resolves once the database is open there; a worker that fails to open
 * it, or dies later, fails every call with the reason.
 */
import { Worker } from 'node:worker_threads'
import { RemoteEngine } from '../../src/db/engine-protocol.ts'
import type { EngineWorkerOptions } from './engine-worker.ts'

export async function startEngineWorker(options: EngineWorkerOptions): Promise<RemoteEngine> {
  // Sources run through tsx (tests, development); a bundle ships the worker beside itself.
  const source = import.meta.url.endsWith('.ts')
  const url = new URL(source ? './engine-worker-tsx.mjs' : './engine-worker.mjs', import.meta.url)
  const worker = new Worker(url, { workerData: options })
  const failures = new Set<(error: Error) => void>()
  const fail = (error: Error) => {
    for (const f of failures) f(error)
  }
  worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))))
  worker.on('exit', (code) => fail(new Error(`the engine worker exited (code ${code})`)))
  await new Promise<void>((resolve, reject) => {
    const onFirst = (message: unknown) => {
      if ((message as { ready?: boolean })?.ready) {
        worker.off('message', onFirst)
        failures.delete(rejectStart)
        resolve()
      }
    }
    const rejectStart = (error: Error) => reject(new Error(`the engine worker did not start: ${error.message}`))
    failures.add(rejectStart)
    worker.on('message', onFirst)
  })
  return new RemoteEngine({
    send: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (handler) => worker.on('message', handler),
    onFailure: (handler) => failures.add(handler),
    terminate: async () => {
      await worker.terminate()
    },
  })
}
