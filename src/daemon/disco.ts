/**
 * Node discovery by DNS (`-disco-mode dns` and `dns-srv`, rqlite's configurations): the names
 * resolve to the Raft addresses of the cluster's nodes, which then serve as `-join` targets
 * for `-bootstrap-expect`. Resolved until they name as many nodes as expected (records may
 * appear as the other nodes start), within `-bootstrap-expect-timeout`.
 */
import type { RqlitedOptions } from '../cli/rqlited-flags.ts'
import type { DnsResolver } from '../ports/dns.ts'
import type { FilePort } from '../ports/file-port.ts'

interface DnsConfig {
  /** The name to resolve. */
  name: string
  /** dns: the Raft port of every node (default 4002). */
  port: number
  /** dns-srv: the service, looked up as `_<service>._tcp.<name>`. */
  service: string
}

/** `-disco-config`: JSON inline, or the path of a file holding it; `$VARS` expanded. */
export function readDiscoJson(raw: string, files: FilePort, env: (name: string) => string | undefined): Record<string, unknown> {
  let text = raw.trim()
  if (text !== '' && !text.startsWith('{')) {
    const handle = files.open(text, { create: false, readOnly: true })
    try {
      const bytes = new Uint8Array(handle.size())
      handle.read(bytes, 0)
      text = new TextDecoder().decode(bytes)
    } finally {
      handle.close()
    }
  }
  text = text.replace(/\$(\w+)|\$\{(\w+)\}/g, (_, a?: string, b?: string) => env((a ?? b)!) ?? '')
  let parsed: unknown
  try {
    parsed = text === '' ? {} : JSON.parse(text)
  } catch (e) {
    throw new Error(`-disco-config is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('-disco-config must be a JSON object')
  return parsed as Record<string, unknown>
}

/** The dns and dns-srv settings of `-disco-config` (rqlite's: `name`, `port`, `service`). */
export function readDiscoConfig(raw: string, files: FilePort, env: (name: string) => string | undefined): DnsConfig {
  const c = readDiscoJson(raw, files, env)
  const name = typeof c.name === 'string' && c.name !== '' ? c.name : 'rqlite'
  const port = c.port === undefined ? 4002 : Number(c.port)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`-disco-config: port ${String(c.port)} is not a port`)
  const service = typeof c.service === 'string' && c.service !== '' ? c.service : 'rqlite-raft'
  return { name, port, service }
}

/** The Raft addresses the DNS names for this configuration, sorted. */
export async function discoverByDns(mode: 'dns' | 'dns-srv', config: DnsConfig, dns: DnsResolver): Promise<string[]> {
  if (mode === 'dns') return (await dns.addresses(config.name)).map((ip) => hostPort(ip, config.port)).sort()
  const records = await dns.srv(`_${config.service}._tcp.${config.name}`)
  const addresses = await Promise.all(
    records.map(async (r) => {
      const ips = /^[\d.]+$|:/.test(r.target) ? [r.target] : await dns.addresses(r.target)
      return ips.map((ip) => hostPort(ip, r.port))
    }),
  )
  return [...new Set(addresses.flat())].sort()
}

/** Resolves until `expected` nodes are named or the time is up; the `-join` list to use. */
export async function discoverJoinTargets(
  options: RqlitedOptions,
  dns: DnsResolver,
  config: DnsConfig,
  wait: (ms: number) => Promise<void>,
  now: () => number,
): Promise<string[]> {
  const mode = options.discoMode as 'dns' | 'dns-srv'
  const deadline = now() + options.bootstrapExpectTimeout
  let found: string[] = []
  let lastError = ''
  for (;;) {
    try {
      found = await discoverByDns(mode, config, dns)
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e)
    }
    if (found.length >= Math.max(1, options.bootstrapExpect)) return found
    if (now() > deadline) {
      throw new Error(
        `-disco-mode ${mode}: ${config.name} named ${found.length} of ${options.bootstrapExpect} nodes ` +
          `within ${options.bootstrapExpectTimeout} ms${lastError ? ` (${lastError})` : ''}`,
      )
    }
    await wait(Math.min(1000, options.joinInterval))
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
