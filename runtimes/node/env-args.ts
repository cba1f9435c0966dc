/**
 * Container configuration: `RAFTLITE_<FLAG>` environment variables become raftlited flags
 * (`RAFTLITE_HTTP_ADDR=0.0.0.0:4001` → `-http-addr=0.0.0.0:4001`) and `RAFTLITE_DATA_DIR` the
 * data directory (default `/data`). Only names of real flags count, so variables that merely
 * share the prefix (Kubernetes adds `RAFTLITE_PORT`, `RAFTLITE_SERVICE_HOST`… for a Service named
 * raftlite) are ignored.
 */
import { RQLITED_FLAGS, splitHostPort } from '../../src/cli/rqlited-flags.ts'

const PREFIX = 'RAFTLITE_'
const FLAG_NAMES = new Set(RQLITED_FLAGS.map((f) => f.name))

/** Flags from `env`, then `extra` (Go flags: the last value wins), then the data directory. */
export function argsFromEnv(env: Record<string, string | undefined>, extra: readonly string[], hostname: string): string[] {
  const flags = new Map<string, string>()
  for (const [key, value] of Object.entries(env)) {
    const name = key.startsWith(PREFIX) ? key.slice(PREFIX.length).toLowerCase().replaceAll('_', '-') : ''
    if (FLAG_NAMES.has(name) && value) flags.set(name, value)
  }
  // Bound to every interface, a node must still advertise a reachable address (rqlited refuses
  // 0.0.0.0): default to the container's hostname, as rqlite's image does.
  for (const kind of ['http', 'raft']) {
    const bind = splitHostPort(flags.get(`${kind}-addr`) ?? '')
    if (bind && ['', '0.0.0.0', '::'].includes(bind[0]) && !flags.has(`${kind}-adv-addr`)) {
      flags.set(`${kind}-adv-addr`, `${hostname}:${bind[1]}`)
    }
  }
  return [...[...flags].map(([name, value]) => `-${name}=${value}`), ...extra, env.RAFTLITE_DATA_DIR || '/data']
}
