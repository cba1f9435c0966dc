import * as os from 'node:os'
import { platformWith, type Platform } from '../../src/node/platform.ts'
import { NodeFilePort } from './fs-file-port.ts'

/** The platform of a node running on Node.js (Deno and Bun reuse the file port). */
export function nodePlatform(): Platform {
  return platformWith(new NodeFilePort(), {
    runtime: { name: 'node', version: process.version, pid: process.pid, hostname: os.hostname() },
  })
}
