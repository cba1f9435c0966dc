/**
 * `raftlited`: parse the flags, start a node, serve its API, stop cleanly on a signal. Runtime
 * entry points (`runtimes/<runtime>/main.ts`) supply the adapters and nothing else.
 */
import { parseRqlitedArgs, type RqlitedOptions } from '../cli/rqlited-flags.ts'
import type { Platform } from '../node/platform.ts'
import { RaftliteNode } from '../node/raftlite-node.ts'
import { apiUrl } from '../node/api-url.ts'
import { RAFTLITE_VERSION } from '../version.ts'
import type { Hono } from 'hono'
import { nodeOptionsFromFlags } from './node-options-from-flags.ts'
import type { Profiler } from '../ports/profiler.ts'
import { discoverJoinTargets, readDiscoConfig, readDiscoJson } from './disco.ts'
import { consulStore, etcdStore, joinThroughKv } from './disco-kv.ts'

export interface DaemonRuntime {
  platform: Platform
  /** Serves `app` on `addr` (host:port); resolves once listening. */
  serve(app: Hono, addr: string): Promise<{ close(): Promise<void> }>
  /** Serves the node's cluster port, with Raft streams if the runtime has WebSockets. */
  serveCluster?(node: RaftliteNode, addr: string): Promise<{ close(): Promise<void> }>
  /** Profiling, where the runtime has it (Node's inspector); absent elsewhere. */
  profiler?: Profiler
  /** Calls `handler` once on SIGINT or SIGTERM. */
  onShutdownSignal(handler: (signal: string) => void): void
  stderr(line: string): void
  stdout(line: string): void
}

/** Runs the daemon; resolves with the process exit code once it has stopped. */
export async function runDaemon(argv: readonly string[], rt: DaemonRuntime): Promise<number> {
  const parsed = parseRqlitedArgs(argv, { name: 'raftlited', defaultDataDir: 'data' })
  switch (parsed.kind) {
    case 'version':
      rt.stdout(`raftlited v${RAFTLITE_VERSION} (${rt.platform.runtime.name} ${rt.platform.runtime.version})`)
      return 0
    case 'help':
      rt.stderr(parsed.usage)
      return 0
    case 'error':
      rt.stderr(parsed.message)
      if (parsed.showUsage) rt.stderr(parsed.usage)
      return parsed.exitCode
  }

  const { cpuProfile, memProfile, traceProfile } = parsed.options
  let stopProfiles = async () => {}
  if (cpuProfile || memProfile || traceProfile) {
    const runtime = `${rt.platform.runtime.name} ${rt.platform.runtime.version}`
    if (!rt.profiler) {
      const flag = cpuProfile ? '-cpu-profile' : memProfile ? '-mem-profile' : '-trace-profile'
      rt.stderr(`fatal: ${flag} is not supported on ${runtime}: profiling uses Node's inspector; run raftlited on Node.js to profile`)
      return 1
    }
    try {
      stopProfiles = await rt.profiler.start({ cpu: cpuProfile || undefined, mem: memProfile || undefined, trace: traceProfile || undefined })
    } catch (e) {
      rt.stderr(`fatal: cannot start profiling: ${e instanceof Error ? e.message : String(e)}`)
      return 1
    }
  }
  let onNode: ((node: RaftliteNode) => void) | undefined
  if (parsed.options.discoMode !== '') {
    const found = await discover(parsed.options, rt)
    if (typeof found === 'string') {
      await stopProfiles().catch(() => {})
      rt.stderr(`fatal: ${found}`)
      return 1
    }
    onNode = found.onNode
  }
  const code = await serveNode(parsed.options, parsed.dataDir, rt, onNode)
  try {
    await stopProfiles()
  } catch (e) {
    rt.stderr(`error: cannot write the profiles: ${e instanceof Error ? e.message : String(e)}`)
    return code === 0 ? 1 : code
  }
  return code
}

/**
 * `-disco-mode`: fills `options.join` with the nodes the discovery service names; or why not.
 * With a key-value store, also what the started node must do: keep the leader's key current.
 */
async function discover(options: RqlitedOptions, rt: DaemonRuntime): Promise<string | { onNode?: (node: RaftliteNode) => void }> {
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

/** Starts the node, serves it until a signal (or its own stop), and stops it; the exit code. */
async function serveNode(options: RqlitedOptions, dataDir: string, rt: DaemonRuntime, onNode?: (node: RaftliteNode) => void): Promise<number> {
  let node: RaftliteNode
  try {
    node = await RaftliteNode.start(nodeOptionsFromFlags(options, dataDir), rt.platform)
  } catch (e) {
    rt.stderr(`fatal: cannot start node: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
  onNode?.(node)
  node.addEventListener('error', (event) => {
    const detail = (event as CustomEvent).detail
    rt.stderr(`error: ${detail instanceof Error ? detail.message : String(detail)}`)
  })

  const servers: { close(): Promise<void> }[] = []
  const serveCluster = (addr: string) => (rt.serveCluster ? rt.serveCluster(node, addr) : rt.serve(node.clusterApi(), addr))
  const listeners: [string, (addr: string) => Promise<{ close(): Promise<void> }>][] = [
    [node.options.raftAddr, serveCluster],
    [node.options.httpAddr, (addr) => rt.serve(node.api(), addr)],
  ]
  for (const [addr, listen] of listeners) {
    try {
      servers.push(await listen(addr))
    } catch (e) {
      for (const s of servers) await s.close()
      await node.stop()
      rt.stderr(`fatal: cannot listen on ${addr}: ${e instanceof Error ? e.message : String(e)}`)
      return 1
    }
  }
  const closeServers = async () => {
    for (const s of servers) await s.close()
  }
  const signalled = new Promise<string>((resolve) => rt.onShutdownSignal(resolve))
  // Joining a cluster or replaying the log can take a while; a signal meanwhile still stops us.
  const started = await Promise.race([
    node.ready.then(() => ({ kind: 'ready' as const }), (error: unknown) => ({ kind: 'failed' as const, error })),
    signalled.then((signal) => ({ kind: 'signal' as const, signal })),
  ])
  if (started.kind !== 'ready') {
    await closeServers()
    await node.stop()
    if (started.kind === 'signal') return 0
    rt.stderr(`fatal: ${started.error instanceof Error ? started.error.message : String(started.error)}`)
    return 1
  }
  rt.stderr(
    `raftlited v${RAFTLITE_VERSION} node ${node.id} serving ${apiUrl(node.options.httpAdvAddr)}, Raft on ${node.options.raftAdvAddr} ` +
      `(data in ${node.options.dataDir}, ${rt.platform.runtime.name} ${rt.platform.runtime.version})`,
  )

  // A node stops by itself only when its storage failed (it cannot go on safely): exit non-zero
  // so a supervisor restarts it, and the restart recovers from what the disk holds.
  const stoppedByItself = new Promise<void>((resolve) => node.addEventListener('stopped', () => resolve(), { once: true }))
  let removed = false
  node.addEventListener('removed', () => (removed = true), { once: true })
  const ended = await Promise.race([signalled, stoppedByItself.then(() => undefined)])
  if (ended === undefined && removed) {
    // -raft-remove-shutdown: the cluster removed this node; stopping is what was asked for.
    await closeServers()
    rt.stderr('node removed from the cluster, shut down (-raft-remove-shutdown)')
    return 0
  }
  if (ended === undefined) {
    await closeServers()
    rt.stderr('fatal: the node stopped after a storage error (see above); restart it to recover')
    return 1
  }
  const signal = ended
  rt.stderr(`received ${signal}, shutting down`)
  // The public API closes first; the cluster port stays open while the node hands leadership
  // over or leaves the cluster, which needs answers from its peers.
  const [clusterServer, apiServer] = servers
  await apiServer.close()
  await node.stop()
  await clusterServer.close()
  rt.stderr('node stopped')
  return 0
}
