/**
 * `raftlited`: parse the flags, start a node, serve its API, stop cleanly on a signal. Runtime
 * entry points (`runtimes/<runtime>/main.ts`) supply the adapters and nothing else.
 */
import { parseRqlitedArgs, type RqlitedParseResult } from '../cli/rqlited-flags.ts'
import type { Platform } from '../node/platform.ts'
import { RaftliteNode } from '../node/raftlite-node.ts'
import { advertisedApiAddr, apiUrl } from '../node/api-url.ts'
import { RAFTLITE_VERSION } from '../version.ts'
import type { Hono } from 'hono'
import type { OpenWebSocket } from '../ports/web-socket.ts'
import { type TlsClientOptions, type TlsServerOptions, httpTls, nodeClientTls, nodeServerTls } from '../tls/tls-options.ts'
import { type ConnectionLimits, type ServeOptions } from '../http/connection-limits.ts'
import { nodeOptionsFromFlags } from './node-options-from-flags.ts'
import { readUsersFile, watchUsersFile } from '../auth/users-file-watcher.ts'
import { readClusterSecret } from '../cluster/cluster-secret-file.ts'
import { loadCdcConfig } from '../cdc/cdc-config.ts'
import type { Profiler } from '../ports/profiler.ts'
import { startExtras } from './daemon-extras.ts'
import type { AutoBackup } from '../backup/auto-backup.ts'
import { runAutoRestore, startAutoBackup } from '../backup/start-backups.ts'
import { daemonLogger } from './daemon-logger.ts'
import { startDaemonOtlp } from './daemon-otlp.ts'

export interface DaemonRuntime {
  platform: Platform
  /** Serves `app` on `addr` (host:port), over TLS and with connection limits if given; resolves once listening. */
  serve(app: Hono, addr: string, options?: ServeOptions): Promise<{ close(): Promise<void> }>
  /** Serves the node's cluster port, with Raft streams if the runtime has WebSockets. */
  serveCluster?(node: RaftliteNode, addr: string, options?: ServeOptions): Promise<{ close(): Promise<void> }>
  /** Connections to peers over TLS (-node-cert); a runtime without it cannot take the -node-* flags. */
  peerTls?(tls: TlsClientOptions): { fetch: typeof fetch; openWebSocket?: OpenWebSocket; close(): void }
  /** Whether `serve` and `serveCluster` honour `tls`; a runtime without it refuses -http-cert and -node-cert. */
  tls?: boolean
  /** Why this runtime cannot honour the TLS flags given (a message naming the flag and the reason), or null. */
  tlsRefusal?(tls: { api: TlsServerOptions | null; cluster: TlsServerOptions | null; client: TlsClientOptions | null }): string | null
  /** Serves the node's public API, with `/db/changes` over WebSockets if the runtime has them. */
  serveApi?(node: RaftliteNode, addr: string, options?: ServeOptions): Promise<{ close(): Promise<void> }>
  /** Profiling, where the runtime has it (Node's inspector); absent elsewhere. */
  profiler?: Profiler
  /** Calls `handler` once on SIGINT or SIGTERM. */
  onShutdownSignal(handler: (signal: string) => void): void
  stderr(line: string): void
  stdout(line: string): void
  /** Environment variables, for `$VAR`s in the -auto-backup and -auto-restore configs. */
  env?(name: string): string | undefined
  /** stderr is a terminal (`-log-format auto` then writes coloured text, else JSON lines). */
  stderrIsTerminal?: boolean
  /** Colours are welcome on that terminal (NO_COLOR unset). */
  colour?: boolean
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
  const extras = await startExtras(parsed.options, rt)
  if (typeof extras === 'string') {
    rt.stderr(`fatal: ${extras}`)
    return 1
  }
  return extras.finish(await serveParsed(parsed, rt, extras.onNode))
}

/** Starts the node, serves it until a signal (or its own stop), and stops it; the exit code. */
async function serveParsed(parsed: Extract<RqlitedParseResult, { kind: 'ok' }>, rt: DaemonRuntime, onNode?: (node: RaftliteNode) => void): Promise<number> {
  const { logger } = daemonLogger(parsed.options, rt)
  const log = logger.for('node')
  // The last words before exiting non-zero: a plain line whatever the level and format (as
  // rqlited's log.Fatal), for the person or supervisor reading why the process ended.
  const fatal = (msg: string) => rt.stderr(`fatal: ${msg}`)
  const basePlatform = { ...rt.platform, logger }
  let node: RaftliteNode
  const authFile = parsed.options.auth
  const apiTls = httpTls(parsed.options)
  const clusterTls = nodeServerTls(parsed.options)
  const clientTls = nodeClientTls(parsed.options)
  for (const [flag, set] of [['-http-cert', apiTls], ['-node-cert', clusterTls]] as const) {
    if (set && (!rt.tls || (flag === '-node-cert' && !rt.peerTls))) {
      rt.stderr(`fatal: ${flag}: TLS is not supported by raftlited on ${rt.platform.runtime.name} yet (run it on Node, or terminate TLS in front of the node)`)
      return 1
    }
  }
  const refused = rt.tlsRefusal?.({ api: apiTls, cluster: clusterTls, client: clientTls })
  if (refused) {
    rt.stderr(`fatal: ${refused}`)
    return 1
  }
  let peers: ReturnType<NonNullable<DaemonRuntime['peerTls']>> | null = null
  try {
    const users = authFile ? readUsersFile(rt.platform.files, authFile) : undefined
    const secretFile = parsed.options.clusterSecretFile
    const clusterSecret = secretFile ? readClusterSecret(rt.platform.files, secretFile) : ''
    // Without a secret, the node warns through its logger (peer-authentication.ts).
    peers = clientTls && rt.peerTls ? rt.peerTls(clientTls) : null
    const platform = peers?.openWebSocket ? { ...basePlatform, openWebSocket: peers.openWebSocket } : basePlatform
    const cdc = loadCdcConfig(parsed.options.cdcConfig, rt.platform.files)
    node = await RaftliteNode.start({ ...nodeOptionsFromFlags(parsed.options, parsed.dataDir), users, clusterSecret, cdc }, platform, { ...(peers ? { fetch: peers.fetch } : {}), stdout: rt.stdout })
  } catch (e) {
    peers?.close()
    fatal(`cannot start node: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
  onNode?.(node)
  const usersWatch = authFile ? watchUsersFile(rt.platform.files, rt.platform.timers, authFile, logger.for('auth'), (users) => node.setUsers(users)) : null
  node.addEventListener('error', (event) => {
    const detail = (event as CustomEvent).detail
    log.error(detail instanceof Error ? detail.message : String(detail))
  })
  const otlp = startDaemonOtlp(node, parsed.options, basePlatform)

  const servers: { close(): Promise<void> }[] = []
  const limits = connectionLimits(parsed.options)
  // Peers hold many connections (streams, POSTs in flight), and a snapshot upload may take long.
  const clusterServe = { tls: clusterTls, limits: { ...limits, maxConnsPerClient: 0, requestTimeoutMs: 0 } }
  const serveCluster = (addr: string) => (rt.serveCluster ? rt.serveCluster(node, addr, clusterServe) : rt.serve(node.clusterApi(), addr, clusterServe))
  const listeners: [string, (addr: string) => Promise<{ close(): Promise<void> }>][] = [
    [node.options.raftAddr, serveCluster],
    [node.options.httpAddr, (addr) => (rt.serveApi ? rt.serveApi(node, addr, { tls: apiTls, limits }) : rt.serve(node.api(), addr, { tls: apiTls, limits }))],
  ]
  for (const [addr, listen] of listeners) {
    try {
      servers.push(await listen(addr))
    } catch (e) {
      for (const s of servers) await s.close()
      usersWatch?.stop()
      await otlp?.stop()
      await node.stop()
      fatal(`cannot listen on ${addr}: ${e instanceof Error ? e.message : String(e)}`)
      return 1
    }
  }
  const closeServers = async () => {
    usersWatch?.stop()
    for (const s of servers) await s.close()
    await otlp?.stop()
    peers?.close()
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
    fatal(started.error instanceof Error ? started.error.message : String(started.error))
    return 1
  }
  const api = apiUrl(advertisedApiAddr(node.options))
  log.info(
    `raftlited v${RAFTLITE_VERSION} node ${node.id} serving ${api}, Raft on ${node.options.raftAdvAddr} ` +
      `(data in ${node.options.dataDir}, ${rt.platform.runtime.name} ${rt.platform.runtime.version})`,
    { id: node.id, http: api, raft: node.options.raftAdvAddr, version: RAFTLITE_VERSION },
  )

  let autoBackup: AutoBackup | null = null
  try {
    const env = (name: string) => rt.env?.(name)
    await runAutoRestore(node, parsed.options, env)
    autoBackup = startAutoBackup(node, parsed.options, env)
  } catch (e) {
    rt.stderr(`fatal: ${e instanceof Error ? e.message : String(e)}`)
    usersWatch?.stop()
    await closeServers()
    await node.stop()
    return 1
  }

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
    fatal('the node stopped after a storage error (see above); restart it to recover')
    return 1
  }
  const signal = ended
  log.info(`received ${signal}, shutting down`, { signal })
  // The public API closes first; the cluster port stays open while the node hands leadership
  // over or leaves the cluster, which needs answers from its peers.
  const [clusterServer, apiServer] = servers
  usersWatch?.stop()
  await autoBackup?.stop()
  await apiServer.close()
  await otlp?.stop()
  await node.stop()
  await clusterServer.close()
  peers?.close()
  log.info('node stopped')
  return 0
}

function connectionLimits(flags: { httpMaxConnsPerClient: number; httpReadHeaderTimeout: number; httpReadTimeout: number }): ConnectionLimits {
  return { maxConnsPerClient: flags.httpMaxConnsPerClient, headersTimeoutMs: flags.httpReadHeaderTimeout, requestTimeoutMs: flags.httpReadTimeout }
}
