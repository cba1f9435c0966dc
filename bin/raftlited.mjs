#!/usr/bin/env node
// Runs the TypeScript entry point through tsx (Node 20 cannot strip types by itself).
import { register } from 'tsx/esm/api'

register()
await import('../runtimes/node/main.ts')
