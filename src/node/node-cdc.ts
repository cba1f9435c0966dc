/**
 * Builds a node's change data capture from its options: the service, its row-change listener and
 * the way it reaches the endpoint. The high-water command is registered on every node, CDC or
 * not, so a mark in the log applies alike everywhere.
 */
import { CdcService, HIGH_WATER_COMMAND } from '../cdc/cdc-service.ts'
import type { Transmit } from '../cdc/webhook-sender.ts'
import type { CommandHandler, DatabaseStateMachine } from '../cluster/database-state-machine.ts'
import { readTextFile } from '../ports/file-port.ts'
import { apiUrl } from './api-url.ts'
import type { NodeContext } from './node-context.ts'

export interface NodeCdcContext extends Pick<NodeContext, 'id' | 'options' | 'platform' | 'fetch' | 'logger' | 'driver' | 'members' | 'leader' | 'authorizer'> {
  /** Where `-cdc-config=stdout` prints (the daemon's standard output). */
  stdout?: (line: string) => void
  command(name: string, payload: Uint8Array): Promise<unknown>
}

/** The node's command handlers with the CDC high-water mark added. */
export function withCdcCommands(commands: ReadonlyMap<string, CommandHandler> | undefined, cdc: () => CdcService | null): ReadonlyMap<string, CommandHandler> {
  const all = new Map(commands ?? [])
  all.set(HIGH_WATER_COMMAND, ({ payload }) => cdc()?.onHighWater(payload))
  return all
}

export function createNodeCdc(ctx: NodeCdcContext, stateMachine: DatabaseStateMachine): CdcService | null {
  const config = ctx.options.cdc
  if (!config) return null
  const service = new CdcService({
    nodeId: ctx.id,
    dataDir: ctx.options.dataDir,
    config,
    files: ctx.platform.files,
    timers: ctx.platform.timers,
    logger: ctx.logger.for('cdc'),
    transmit: transmitFor(ctx),
    leading: async () => {
      const driver = ctx.driver()
      if (driver.role !== 'leader') return false
      // The previous terms' entries applied first: the queue and the mark are then complete.
      return driver.waitLeaderCaughtUp(ctx.options.raftApplyTimeoutMs).then(() => true, () => false)
    },
    propose: (name, payload) => ctx.command(name, payload),
    fetch: peerApiFetch(ctx),
    peers: () => {
      const leader = ctx.leader()?.id
      const others = ctx.members.list().filter((m) => m.id !== ctx.id && m.voter && m.apiAddr)
      others.sort((a, b) => Number(b.id === leader) - Number(a.id === leader))
      return others.map((m) => apiUrl(m.apiAddr))
    },
  })
  stateMachine.onRowChanges((applied) => service.onApplied(applied))
  return service
}

function transmitFor(ctx: NodeCdcContext): Transmit {
  const endpoint = ctx.options.cdc!.endpoint
  if (endpoint.kind === 'stdout') {
    const print = ctx.stdout
    if (!print) throw new Error('-cdc-config=stdout needs a standard output (StartOverrides.stdout)')
    return (body) => {
      print(body)
      return Promise.resolve(200)
    }
  }
  if (endpoint.kind !== 'http') return () => Promise.resolve(200)
  const url = endpoint.url
  // Not ctx.fetch: that one is for peers (signed with the cluster secret, over the nodes' TLS);
  // the endpoint is someone else's and gets a plain request, or the config's own TLS.
  const fetcher = tlsFetcher(ctx) ?? ((...args: Parameters<typeof fetch>) => fetch(...args))
  return async (body, timeoutMs) => {
    const res = await fetcher(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) })
    await res.body?.cancel()
    return res.status
  }
}

/** A fetch with the config's TLS settings (PEM files read now: a bad path fails the start). */
function tlsFetcher(ctx: NodeCdcContext): typeof fetch | null {
  const tls = ctx.options.cdc!.tls
  if (!tls) return null
  if (!ctx.platform.tlsFetch) throw new Error('invalid CDC config: "tls" settings need a runtime that provides them (Node, Deno, Bun do)')
  const read = (what: string, path: string) => {
    if (!path) return undefined
    try {
      return readTextFile(ctx.platform.files, path)
    } catch (e) {
      throw new Error(`invalid CDC config: cannot read tls.${what} ${path}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  return ctx.platform.tlsFetch({
    ca: read('ca_cert_file', tls.caCertFile),
    cert: read('cert_file', tls.certFile),
    key: read('key_file', tls.keyFile),
    insecureSkipVerify: tls.insecureSkipVerify,
    serverName: tls.serverName || undefined,
  })
}

/**
 * Peers' public APIs (missing changes are read from their /db/changes): with -auth, as the
 * -join-as user, whose permissions must include `query`.
 */
function peerApiFetch(ctx: NodeCdcContext): typeof fetch {
  const user = ctx.options.joinAs ? ctx.authorizer?.credentialsOf(ctx.options.joinAs) : null
  if (!user) return ctx.fetch
  const authorization = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user.username}:${user.password}`)))}`
  return ((input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set('Authorization', authorization)
    return ctx.fetch(input, { ...init, headers })
  }) as typeof fetch
}
