/**
 * `raftlited` in a container: `node --import tsx runtimes/node/container-main.ts [flags]`.
 * Configured by RAFTLITE_* variables (see env-args.ts); arguments are extra flags.
 */
import * as os from 'node:os'
import { argsFromEnv } from './env-args.ts'

process.argv.splice(2, Infinity, ...argsFromEnv(process.env, process.argv.slice(2), os.hostname()))
await import('./main.ts')
