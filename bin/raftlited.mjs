#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --max-old-space-size=1024
// Runs the bundle in dist/ (bin/run-entry.mjs; in a source checkout, the sources through tsx
// when they are newer).
// The V8 flags keep the heap near its live size and two malloc arenas keep glibc from holding
// freed memory (docs/performance.md); `node bin/raftlited.mjs` skips this line, so pass them
// there yourself.
import { runEntry } from './run-entry.mjs'

await runEntry('raftlited.mjs', 'runtimes/node/main.ts')
