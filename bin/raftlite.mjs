#!/usr/bin/env node
// `raftlite`, the interactive shell (see bin/run-entry.mjs for bundle or sources).
import { runEntry } from './run-entry.mjs'

await runEntry('raftlite.mjs', 'runtimes/node/shell-main.ts')
