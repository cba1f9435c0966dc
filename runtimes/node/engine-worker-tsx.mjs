// Runs the engine worker from its TypeScript source (tests, development): workers on Node 20
// do not inherit the parent's tsx loader, so the worker registers it first.
import { register } from 'tsx/esm/api'

register()
await import('./engine-worker.ts')
