/**
 * Lets V8 optimize a hot function after a quarter of the bytecode it runs by default
 * (`--interrupt-budget`, 67,584 in Node 20). A node that has just started serves its first
 * seconds from unoptimized code: one client's writes to a new 3-node cluster took 1.90–2.08 ms
 * at p50 in their first 3 seconds, against 1.43–1.65 ms with this (steady state ~1.05 ms either
 * way, and the same throughput and CPU per write after warm-up; docs/performance.md). Set from
 * here, not on the command line, so that `node bin/raftlited.mjs` and the container get it too;
 * V8 reads it when a function is first compiled, and almost all of the node compiles lazily
 * after this runs. Imported first by the daemon's entry points; a library user's process is
 * left as its owner configured it.
 */
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--interrupt-budget=16896')
