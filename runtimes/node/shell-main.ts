/** `raftlite`, the interactive shell, on Node.js: `node bin/raftlite.mjs [options]`. */
import { shellMain } from './shell.ts'
import { tlsFetch } from './tls-fetch.ts'

// Exit at once: idle keep-alive connections would otherwise hold the process for seconds.
process.exit(await shellMain(process.argv.slice(2), async (options) => tlsFetch(options)))
