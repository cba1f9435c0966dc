/**
 * The rqlited command line: `rqlited [flags] <data directory>`.
 *
 * Every rqlited 9.4.x flag is defined (plus the v10 renames/additions noted
 * below) so that scripts written for rqlite parse; flags this implementation
 * does not honour yet are `supported: false`, and setting one to anything but
 * its default is an error rather than being silently ignored.
 *
 * Post-parse checks mirror rqlited's ParseFlags + Config.Validate (the ones
 * that need no filesystem): same order, same messages, exit code 1, prefixed
 * `fatal: `. Flag-syntax errors are Go flag's (exit 2, with usage).
 */
import { FlagError, parseFlags, printDefaults } from './flags.ts'
import type { FlagSpec, FlagType, FlagValue } from './flags.ts'
import { validateObserveFlags } from './observe-flags.ts'

export interface RqlitedFlagSpec extends FlagSpec {
  /** Key in `RqlitedOptions` (camelCase of the flag; renamed flags share a key). */
  key: keyof RqlitedOptions | 'version'
  supported: boolean
  /** Release that introduced the flag when newer than 9.x, e.g. `v10`. */
  since?: string
}

/** Options after parsing. Durations are milliseconds. */
export interface RqlitedOptions {
  nodeId: string
  extensionsPath: string[]
  httpAddr: string
  httpAdvAddr: string
  httpAllowOrigin: string
  httpCaCert: string
  httpCert: string
  httpKey: string
  httpVerifyClient: boolean
  httpVerifyCommonName: string
  nodeCaCert: string
  nodeCert: string
  nodeKey: string
  nodeNoVerify: boolean
  nodeVerifyClient: boolean
  nodeVerifyServerName: string
  nodeVerifyCommonName: string
  auth: string
  autoBackup: string
  autoRestore: string
  cdcConfig: string
  raftAddr: string
  raftAdvAddr: string
  /** `-join`, comma-split (rqlited does not drop empty items here). */
  join: string[]
  joinAttempts: number
  joinInterval: number
  joinAs: string
  bootstrapExpect: number
  bootstrapExpectTimeout: number
  discoMode: string
  discoKey: string
  discoConfig: string
  onDiskPath: string
  fk: boolean
  autoVacuumInt: number
  autoOptimizeInt: number
  raftLogLevel: string
  raftNonVoter: boolean
  raftSnap: number
  raftSnapWalSize: number
  raftSnapInt: number
  raftLeaderLeaseTimeout: number
  /** `-raft-timeout` (9.x) / `-raft-heartbeat-timeout` (v10). */
  raftHeartbeatTimeout: number
  raftElectionTimeout: number
  raftApplyTimeout: number
  raftCommitTimeout: number
  raftRemoveShutdown: boolean
  raftClusterRemoveShutdown: boolean
  raftShutdownStepdown: boolean
  raftReapNodeTimeout: number
  raftReapReadOnlyNodeTimeout: number
  clusterConnectTimeout: number
  writeQueueCapacity: number
  writeQueueBatchSize: number
  writeQueueTimeout: number
  writeQueueTx: boolean
  compressSnapTransport: boolean
  dbMaxRoConns: number
  dbEngine: string
  httpMaxBody: number
  httpMaxStatements: number
  httpMaxParams: number
  httpMaxResultBytes: number
  httpMaxConnsPerClient: number
  httpReadHeaderTimeout: number
  httpReadTimeout: number
  shutdownFlushTimeout: number
  /** raftlite's own: the file holding the cluster secret (see NodeOptions.clusterSecret). */
  clusterSecretFile: string
  dbQueryTimeout: number
  logLevel: string
  logFormat: string
  logSlowRequest: number
  metrics: boolean
  otlpEndpoint: string
  otlpInterval: number
  cpuProfile: string
  memProfile: string
  traceProfile: string
}

type Row = [name: string, type: FlagType, def: FlagValue, supported: boolean, usage: string, since?: string, key?: RqlitedFlagSpec['key']]

const S = 1000
// Usage texts are rqlited's (9.4.x), so `-h` output looks familiar.
const ROWS: Row[] = [
  ['node-id', 'string', '', true, 'Unique ID for node. If not set, set to advertised Raft address'],
  ['extensions-path', 'stringSlice', [], true, 'Comma-delimited list of paths to directories, zipfiles, or tar.gz files containing SQLite extensions'],
  ['http-addr', 'string', 'localhost:4001', true, 'HTTP server bind address. To enable HTTPS, set X.509 certificate and key'],
  ['http-adv-addr', 'string', '', true, 'Advertised HTTP address. If not set, same as HTTP server bind address'],
  ['http-allow-origin', 'string', '', true, 'Value to set for Access-Control-Allow-Origin HTTP header'],
  ['http-ca-cert', 'string', '', true, 'Path to X.509 CA certificate for HTTPS'],
  ['http-cert', 'string', '', true, 'Path to HTTPS X.509 certificate'],
  ['http-key', 'string', '', true, 'Path to HTTPS X.509 private key'],
  ['http-verify-client', 'bool', false, true, 'Enable mutual TLS for HTTPS'],
  ['http-verify-common-name', 'string', '', true, 'Common name to verify on HTTPS client certificates', 'v10'],
  ['node-ca-cert', 'string', '', true, 'Path to X.509 CA certificate for node-to-node encryption'],
  ['node-cert', 'string', '', true, 'Path to X.509 certificate for node-to-node mutual authentication and encryption'],
  ['node-key', 'string', '', true, 'Path to X.509 private key for node-to-node mutual authentication and encryption'],
  ['node-no-verify', 'bool', false, true, 'Skip verification of any node-node certificate'],
  ['node-verify-client', 'bool', false, true, 'Enable mutual TLS for node-to-node communication'],
  ['node-verify-server-name', 'string', '', true, 'Hostname to verify on certificate returned by a node'],
  ['node-verify-common-name', 'string', '', true, 'Common name to verify on node certificates', 'v10'],
  ['auth', 'string', '', true, 'Path to authentication and authorization file. If not set, not enabled'],
  ['auto-backup', 'string', '', true, 'Path to automatic backup configuration file. If not set, not enabled'],
  ['auto-restore', 'string', '', true, 'Path to automatic restore configuration file. If not set, not enabled'],
  ['cdc-config', 'string', '', true, 'CDC config: a URL, "stdout", or path to a JSON config file. If not set, CDC is disabled'],
  ['raft-addr', 'string', 'localhost:4002', true, 'Raft communication bind address'],
  ['raft-adv-addr', 'string', '', true, 'Advertised Raft communication address. If not set, same as Raft bind address'],
  ['join', 'string', '', true, 'Comma-delimited list of nodes, in host:port form, through which a cluster can be joined'],
  ['join-attempts', 'int', 5, true, 'Number of join attempts to make'],
  ['join-interval', 'duration', 3 * S, true, 'Period between join attempts'],
  ['join-as', 'string', '', true, 'Username in authentication file to join as. If not set, joins anonymously'],
  ['cluster-secret-file', 'string', '', true, 'Path to a file holding a secret shared by all nodes (raftlite): requests between nodes are signed with it. If not set, the Raft port trusts anyone who reaches it'],
  ['bootstrap-expect', 'int', 0, true, 'Minimum number of nodes required for a bootstrap'],
  ['bootstrap-expect-timeout', 'duration', 120 * S, true, 'Maximum time for bootstrap process'],
  ['disco-mode', 'string', '', true, 'Choose clustering discovery mode. If not set, no node discovery is performed'],
  ['disco-key', 'string', 'rqlite', true, 'Key prefix for cluster discovery service'],
  ['disco-config', 'string', '', true, 'Set discovery config, or path to cluster discovery config file'],
  ['on-disk-path', 'string', '', true, 'Path for SQLite on-disk database file. If not set, use a file in data directory'],
  ['fk', 'bool', false, true, 'Enable SQLite foreign key constraints'],
  ['version', 'bool', false, true, 'Show version information and exit', undefined, 'version'],
  ['auto-vacuum-int', 'duration', 0, true, 'Period between automatic VACUUMs. It not set, not enabled'],
  ['auto-optimize-int', 'duration', 24 * 3600 * S, true, "Period between automatic 'PRAGMA optimize'. Set to 0h to disable"],
  ['raft-non-voter', 'bool', false, true, 'Configure as non-voting node'],
  ['raft-timeout', 'duration', 1 * S, true, 'Raft heartbeat timeout', undefined, 'raftHeartbeatTimeout'],
  ['raft-heartbeat-timeout', 'duration', 1 * S, true, 'Raft heartbeat timeout', 'v10', 'raftHeartbeatTimeout'],
  ['raft-election-timeout', 'duration', 1 * S, true, 'Raft election timeout'],
  ['raft-apply-timeout', 'duration', 10 * S, true, 'Raft apply timeout'],
  ['raft-commit-timeout', 'duration', 50, true, 'Raft commit timeout (raftlite sends a new commit index to the followers as soon as it advances, so every value is met)', 'v10'],
  ['raft-snap', 'uint', 8192, true, 'Number of outstanding log entries which triggers Raft snapshot'],
  ['raft-snap-wal-size', 'uint', 4 * 1024 * 1024, true, 'SQLite WAL file size in bytes which triggers Raft snapshot. Set to 0 to disable'],
  ['raft-snap-int', 'duration', 10 * S, true, 'Snapshot threshold check interval'],
  ['raft-leader-lease-timeout', 'duration', 0, true, 'Raft leader lease timeout. Use 0s for Raft default'],
  ['raft-shutdown-stepdown', 'bool', true, true, 'If leader, stepdown before shutting down. Enabled by default'],
  ['raft-remove-shutdown', 'bool', false, true, 'Shutdown Raft if node removed from cluster'],
  ['raft-cluster-remove-shutdown', 'bool', false, true, 'Node removes itself from cluster on graceful shutdown'],
  ['raft-log-level', 'string', 'WARN', true, 'Minimum log level for Raft module'],
  ['raft-reap-node-timeout', 'duration', 0, true, 'Time after which a non-reachable voting node will be reaped. If not set, no reaping takes place'],
  ['raft-reap-read-only-node-timeout', 'duration', 0, true, 'Time after which a non-reachable non-voting node will be reaped. If not set, no reaping takes place'],
  ['cluster-connect-timeout', 'duration', 30 * S, true, 'Timeout for initial connection to other nodes'],
  ['write-queue-capacity', 'int', 1024, true, 'QueuedWrites queue capacity'],
  ['write-queue-batch-size', 'int', 128, true, 'QueuedWrites queue batch size'],
  ['write-queue-timeout', 'duration', 50, true, 'QueuedWrites queue timeout'],
  ['write-queue-tx', 'bool', false, true, 'Use a transaction when processing a queued write'],
  ['http-max-body', 'int', 64 * 1024 * 1024, true, 'Largest HTTP request body accepted, in bytes; larger ones get 413 (raftlite)', 'raftlite'],
  ['http-max-statements', 'int', 100_000, true, 'Most statements in one request; more get 400 (raftlite)', 'raftlite'],
  ['http-max-params', 'int', 32_766, true, 'Most parameters of one statement; more get 400 (raftlite)', 'raftlite'],
  ['http-max-result-bytes', 'int', 256 * 1024 * 1024, true, 'Largest query result one response carries, in bytes, 0 for no limit; larger ones get an error (raftlite)', 'raftlite'],
  ['http-max-conns-per-client', 'int', 1024, true, 'Most open HTTP connections from one client address, 0 for no limit; more get 429 (raftlite, Node only)', 'raftlite'],
  ['http-read-header-timeout', 'duration', 10 * S, true, 'Time a client has to send request headers; then 408 (raftlite, Node only)', 'raftlite'],
  ['http-read-timeout', 'duration', 300 * S, true, 'Time a client has to send a whole request, 0 for no limit; then 408 (raftlite, Node only)', 'raftlite'],
  ['shutdown-flush-timeout', 'duration', 5 * S, true, 'How long shutdown keeps flushing queued writes; the rest is logged as lost (raftlite)', 'raftlite'],
  ['db-engine', 'string', 'worker', true, 'Where SQLite runs: worker (a thread of its own, off the event loop; short reads on the loop beside it), worker-all (every read in the worker too) or thread (the event loop; what runtimes without threads do) (raftlite)', 'raftlite'],
  ['db-query-timeout', 'duration', 5 * S, true, 'Default time limit of each read statement, when a request sets no db_timeout; 0s for none (raftlite)', 'raftlite'],
  ['log-level', 'string', 'INFO', true, 'Minimum log level of every module without its own: DEBUG, INFO, WARN, ERROR or OFF (raftlite)', 'raftlite'],
  ['log-format', 'string', 'auto', true, 'Log lines as json, text, or auto: coloured text on a terminal, else JSON (raftlite)', 'raftlite'],
  ['log-slow-request', 'duration', 1 * S, true, 'HTTP requests slower than this are logged at WARN; 0s disables (raftlite)', 'raftlite'],
  ['metrics', 'bool', true, true, 'Collect metrics and serve them at /metrics in Prometheus text format (raftlite)', 'raftlite'],
  ['otlp-endpoint', 'string', '', true, 'OTLP/HTTP (JSON) metrics URL to push to, e.g. http://collector:4318/v1/metrics. If not set, no push (raftlite)', 'raftlite'],
  ['otlp-interval', 'duration', 10 * S, true, 'Period between OTLP metrics pushes (raftlite)', 'raftlite'],
  ['compress-snap-transport', 'bool', false, true, 'Compress snapshots sent between nodes', 'v10'],
  ['db-max-ro-conns', 'int', 256, true, 'Maximum number of read-only SQLite connections (raftlite serves reads from one, as SQLite runs on one thread; at least 1)', 'v10'],
  ['cpu-profile', 'string', '', true, 'Path to file for CPU profiling information'],
  ['mem-profile', 'string', '', true, 'Path to file for memory profiling information'],
  ['trace-profile', 'string', '', true, 'Path to file for trace profiling information'],
]

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}

export const RQLITED_FLAGS: readonly RqlitedFlagSpec[] = ROWS.map(([name, type, def, supported, usage, since, key]) => ({
  name, type, default: def, supported, usage, since,
  key: key ?? (camel(name) as keyof RqlitedOptions),
}))

export type RqlitedParseResult =
  | { kind: 'ok'; options: RqlitedOptions; dataDir: string; /** flags given explicitly */ set: string[] }
  | { kind: 'version' }
  | { kind: 'help'; usage: string; exitCode: 0 }
  | {
    kind: 'error'
    /** The single line to print to stderr. */
    message: string
    exitCode: 1 | 2
    /** Print `usage` after the message (Go flag errors do). */
    showUsage: boolean
    usage: string
  }

export interface UsageInfo {
  name?: string
  /** Data directory used when none is given (raftlited: `./data`); rqlited requires one. */
  defaultDataDir?: string
  description?: string
}

/** rqlited's usage text: description, `Usage: … [flags] <data directory>`, then the flag defaults. */
export function formatUsage(info: UsageInfo = {}): string {
  const name = info.name ?? 'raftlited'
  const desc = info.description ?? 'raftlite is a lightweight, distributed relational database, which uses SQLite as its storage engine.'
  return `\n${desc}\n\nUsage: ${name} [flags] <data directory>\n${printDefaults(RQLITED_FLAGS)}`
}

/** Parses `argv` (without the program name). Pure: the caller prints and exits. */
export function parseRqlitedArgs(argv: readonly string[], info: UsageInfo = {}): RqlitedParseResult {
  const usage = formatUsage(info)
  const fatal = (message: string): RqlitedParseResult => ({ kind: 'error', message: `fatal: ${message}`, exitCode: 1, showUsage: false, usage })

  let parsed
  try {
    parsed = parseFlags(RQLITED_FLAGS, argv)
  } catch (e) {
    if (!(e instanceof FlagError)) throw e
    if (e.kind === 'help') return { kind: 'help', usage, exitCode: 0 }
    return { kind: 'error', message: e.message, exitCode: 2, showUsage: true, usage }
  }
  if (parsed.values.get('version') === true) return { kind: 'version' }

  for (const spec of RQLITED_FLAGS) {
    if (spec.supported || !parsed.set.includes(spec.name)) continue
    if (!sameValue(parsed.values.get(spec.name)!, spec.default)) {
      return { kind: 'error', message: `flag -${spec.name} is not supported yet`, exitCode: 2, showUsage: false, usage }
    }
  }

  // rqlited rejects explicitly-set, non-positive reap timeouts before anything else.
  for (const name of ['raft-reap-node-timeout', 'raft-reap-read-only-node-timeout']) {
    if (parsed.set.includes(name) && (parsed.values.get(name) as number) <= 0) return fatal(`-${name} must be greater than 0`)
  }
  if ((parsed.values.get('db-max-ro-conns') as number) < 1) return fatal('-db-max-ro-conns must be at least 1')
  if (!['worker', 'worker-all', 'thread'].includes(parsed.values.get('db-engine') as string)) return fatal(`-db-engine must be worker, worker-all or thread, not "${parsed.values.get('db-engine')}"`)
  if (parsed.args.length < 1 && !info.defaultDataDir) return fatal('no data directory set')
  const dataDir = parsed.args[0] ?? info.defaultDataDir!
  if (parsed.args.length > 1) {
    return {
      kind: 'error', exitCode: 1, showUsage: false, usage,
      message: `arguments after data directory (${dataDir}) are not accepted ([${parsed.args.slice(1).join(' ')}])`,
    }
  }

  const options = {} as Record<string, FlagValue>
  // Later argv wins for flags sharing a key (raft-timeout / raft-heartbeat-timeout).
  for (const spec of RQLITED_FLAGS) if (spec.key !== 'version' && !(spec.key in options)) options[spec.key] = spec.default
  for (const name of parsed.set) {
    const spec = RQLITED_FLAGS.find((s) => s.name === name)!
    if (spec.key !== 'version') options[spec.key] = parsed.values.get(name)!
  }
  const joinRaw = parsed.values.get('join') as string
  options.join = joinRaw === '' ? [] : joinRaw.split(',')
  const opts = options as unknown as RqlitedOptions

  const err = validate(opts) ?? validateObserveFlags(opts)
  if (err) return fatal(err)
  return { kind: 'ok', options: opts, dataDir, set: parsed.set }
}

function sameValue(a: FlagValue, b: FlagValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i])
  return a === b
}

/** Why `-extensions-path` is refused, and what to do instead. */
export const EXTENSIONS_REFUSAL =
  '-extensions-path is not supported: SQLite extensions are native code (.so, .dylib, .dll), and raftlite runs SQLite ' +
  'compiled to WebAssembly, which cannot load native code. Register SQL functions from TypeScript instead ' +
  '(see "SQL functions" in the README)'

/**
 * rqlited's Config.Validate, minus filesystem checks. Fills in the advertised
 * addresses (default: bind addresses) and the node ID (default: advertised
 * Raft address). Returns an error message or undefined.
 */
export function validate(o: RqlitedOptions): string | undefined {
  if (o.extensionsPath.length > 0) return EXTENSIONS_REFUSAL
  if ((o.httpCert === '') !== (o.httpKey === '')) return 'either both -http-cert and -http-key must be set, or neither'
  if ((o.nodeCert === '') !== (o.nodeKey === '')) return 'either both -node-cert and -node-key must be set, or neither'
  if (o.raftAddr === o.httpAddr) return 'HTTP and Raft addresses must differ'
  if (o.raftAdvAddr === '') o.raftAdvAddr = o.raftAddr
  if (o.httpAdvAddr === '') o.httpAdvAddr = o.httpAddr
  if (o.nodeId === '') o.nodeId = o.raftAdvAddr

  if (o.httpAddr.toLowerCase().startsWith('http') || o.httpAdvAddr.toLowerCase().startsWith('http')) {
    return 'HTTP options should not include protocol (http:// or https://)'
  }
  if (!splitHostPort(o.httpAddr)) return 'HTTP bind address not valid'
  const hadv = splitHostPort(o.httpAdvAddr)
  if (!hadv) return 'HTTP advertised HTTP address not valid'
  if (isUnspecifiedIp(hadv[0])) {
    return `advertised HTTP address is not routable (${hadv[0]}), specify it via -http-addr or -http-adv-addr`
  }
  const rbind = splitHostPort(o.raftAddr)
  if (!rbind) return 'raft bind address not valid'
  if (!isAtoi(rbind[1])) return 'raft bind port not valid'
  const radv = splitHostPort(o.raftAdvAddr)
  if (!radv) return 'raft advertised address not valid'
  if (isUnspecifiedIp(radv[0])) {
    return `advertised Raft address is not routable (${radv[0]}), specify it via -raft-addr or -raft-adv-addr`
  }
  if (!isAtoi(radv[1])) return 'raft advertised port is not valid'
  if (o.raftAdvAddr === o.httpAdvAddr) return 'advertised HTTP and Raft addresses must differ'

  if (o.bootstrapExpect > 0 && o.raftNonVoter) return 'bootstrapping only applicable to voting nodes'
  if (o.join.length > 0) {
    for (const a of o.join) {
      if (!splitHostPort(a)) return `${a} is an invalid join address`
      if (o.bootstrapExpect === 0) {
        if (a === o.raftAdvAddr || a === o.raftAddr) return 'node cannot join with itself unless bootstrapping'
        if (o.autoRestore !== '') return 'auto-restoring cannot be used when joining a cluster'
      }
    }
    if (o.discoMode !== '') return 'disco mode cannot be used when also explicitly joining a cluster'
  }
  switch (o.discoMode) {
    case '':
      break
    case 'etcd-kv':
    case 'consul-kv':
      if (o.bootstrapExpect > 0) return `bootstrapping not applicable when using ${o.discoMode}`
      break
    case 'dns':
    case 'dns-srv':
      if (o.bootstrapExpect === 0 && !o.raftNonVoter) return `bootstrap-expect value required when using ${o.discoMode} with a voting node`
      break
    default:
      return 'disco mode must be one of consul-kv, etcd-kv, dns, or dns-srv'
  }
  return undefined
}

/** Go's net.SplitHostPort: `host:port` or `[v6]:port`; the port may be empty. */
export function splitHostPort(addr: string): [host: string, port: string] | undefined {
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']')
    if (end < 0 || addr[end + 1] !== ':') return undefined
    const port = addr.slice(end + 2)
    if (port.includes(':') || port.includes('[') || port.includes(']')) return undefined
    return [addr.slice(1, end), port]
  }
  const i = addr.lastIndexOf(':')
  if (i < 0) return undefined
  const host = addr.slice(0, i)
  if (host.includes(':') || host.includes('[') || host.includes(']')) return undefined
  return [host, addr.slice(i + 1)]
}

function isAtoi(s: string): boolean {
  return /^[+-]?\d+$/.test(s)
}

/** `0.0.0.0`, `::` and other all-zero IP spellings. */
function isUnspecifiedIp(host: string): boolean {
  if (!host.includes(':')) return host === '0.0.0.0'
  return /^[0:]+$/.test(host) && (host.includes('::') || host.split(':').length === 8) || host.toLowerCase() === '::ffff:0.0.0.0'
}
