/**
 * What raftlited does around the node it serves: profiling (-cpu-profile, -mem-profile,
 * -trace-profile) from start to stop, and discovery (-disco-mode), which fills the -join list
 * before the node starts and, with a key-value store, keeps the leader's key current after.
 */
import type { RqlitedOptions } from '../cli/rqlited-flags.ts'
import { apiUrl } from '../node/api-url.ts'
import type { Platform } from '../node/platform.ts'
import type { RaftliteNode } from '../node/raftlite-node.ts'
import type { Profiler } from '../ports/profiler.ts'
import { discoverJoinTargets, readDiscoConfig, readDiscoJson } from './disco.ts'
import { consulStore, etcdStore, joinThroughKv } from './disco-kv.ts'

interface ExtrasRuntime {
  platform: Platform
  profiler?: Profiler
  stderr(line: string): void
}

export interface DaemonExtras {
  /** Called with the node once it is started. */
  onNode?: (node: RaftliteNode) => void
  /** Writes the profiles; the exit code to use. */
  finish(code: number): Promise<number>
}

/** Starts profiling and runs discovery; or says why the daemon cannot start. */
export async function startExtras(options: RqlitedOptions, rt: ExtrasRuntime): Promise<string | DaemonExtras> {
  const { cpuProfile, memProfile, traceProfile } = options
  let stopProfiles = async () => {}
  if (cpuProfile || memProfile || traceProfile) {
    const runtime = `${rt.platform.runtime.name} ${rt.platform.runtime.version}`
    if (!rt.profiler) {
      const flag = cpuProfile ? '-cpu-profile' : memProfile ? '-mem-profile' : '-trace-profile'
      return `${flag} is not supported on ${runtime}: profiling uses Node's inspector; run raftlited on Node.js to profile`
    }
    try {
      stopProfiles = await rt.profiler.start({ cpu: cpuProfile || undefined, mem: memProfile || undefined, trace: traceProfile || undefined })
    } catch (e) {
      return `cannot start profiling: ${e instanceof Error ? e.message : String(e)}`
    }
  }
  let onNode: ((node: RaftliteNode) => void) | undefined
  if (options.discoMode !== '') {
    const found = await discover(options, rt)
    if (typeof found === 'string') {
      await stopProfiles().catch(() => {})
      return found
    }
    onNode = found.onNode
  }
  const finish = async (code: number) => {
    try {
      await stopProfiles()
    } catch (e) {
      rt.stderr(`error: cannot write the profiles: ${e instanceof Error ? e.message : String(e)}`)
      return code === 0 ? 1 : code
    }
    return code
  }
  return { onNode, finish }
}

/**
 * `-disco-mode`: fills `options.join` with the nodes the discovery service names; or why not.
 * With a key-value store, also what the started node must do: keep the leader's key current.
 */
async function discover(options: RqlitedOptions, rt: ExtrasRuntime): Promise<string | { onNode?: (node: RaftliteNode) => void }> {
  const mode = options.discoMode
  const { dns, files, env, timers, clock } = rt.platform
  const wait = (ms: number) => new Promise<void>((r) => timers.setTimeout(r, ms))
  if (mode === 'etcd-kv' || mode === 'consul-kv') {
    try {
      const json = readDiscoJson(options.discoConfig, files, env ?? (() => undefined))
      const store = mode === 'etcd-kv' ? etcdStore(json, options.clusterConnectTimeout) : consulStore(json, options.clusterConnectTimeout)
      const key = `${options.discoKey}/leader`
      const self = { id: options.nodeId, addr: options.raftAdvAddr, api_addr: apiUrl(options.httpAdvAddr) }
      const deadline = clock.monotonic() + options.bootstrapExpectTimeout
      options.join = await joinThroughKv(store, key, self, wait, () => clock.monotonic(), deadline)
      rt.stderr(`-disco-mode ${mode}: ${options.join.length > 0 ? `joining the leader at ${options.join[0]}` : 'no leader yet: founding the cluster'}`)
      // The leader keeps the key naming itself, so that later nodes find it.
      const advertise = (node: RaftliteNode) => {
        if (node.isLeader) store.put(key, JSON.stringify(self)).catch((e: unknown) => rt.stderr(`error: -disco-mode ${mode}: ${e instanceof Error ? e.message : String(e)}`))
      }
      return { onNode: (node) => {
        node.addEventListener('leader', () => advertise(node))
        void node.ready.then(() => advertise(node), () => {})
      } }
    } catch (e) {
      return e instanceof Error ? e.message : String(e)
    }
  }
  if (mode !== 'dns' && mode !== 'dns-srv') return `-disco-mode ${mode} is not supported`
  if (!dns) return `-disco-mode ${mode} needs DNS lookups, which raftlited has no adapter for on ${rt.platform.runtime.name}`
  try {
    const config = readDiscoConfig(options.discoConfig, files, env ?? (() => undefined))
    options.join = await discoverJoinTargets(options, dns, config, wait, () => clock.monotonic())
    rt.stderr(`-disco-mode ${mode}: ${config.name} names ${options.join.join(', ')}`)
    return {}
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}
