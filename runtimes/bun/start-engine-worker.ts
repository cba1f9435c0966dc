/** Bun runs the engine in a Web Worker, as Deno does (runtimes/deno/start-engine-worker.ts). */
export { startWebEngineWorker } from '../deno/start-engine-worker.ts'
