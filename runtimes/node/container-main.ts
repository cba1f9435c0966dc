/**
 * `raftlited` in a container: `node dist/container-main.mjs [flags]` (bundled by `npm run build`).
 * Configured by RAFTLITE_* variables (see env-args.ts); arguments are extra flags.
 */
import './warm-up-sooner.ts'
import * as os from 'node:os'
import { argsFromEnv } from './env-args.ts'

process.argv.splice(2, Infinity, ...argsFromEnv(process.env, process.argv.slice(2), os.hostname()))
await import('./main.ts')
