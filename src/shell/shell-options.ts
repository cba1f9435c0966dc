/**
 * The `raftlite` command line: rqlite's shell options (compat doc §7) plus `-e/--execute`.
 * Short options take their value as the next argument or after `=` (`-H host`, `-H=host`),
 * long ones likewise (`--host host`, `--host=host`); booleans need no value.
 */
import { parseGoDurationNs } from '../api/go-duration.ts'

export type Scheme = 'http' | 'https'

export interface ShellOptions {
  scheme: Scheme
  host: string
  port: number
  /** Always starts and ends with `/`. */
  prefix: string
  /** `user:pass`, or undefined. */
  credentials?: string
  insecure: boolean
  caCert?: string
  clientCert?: string
  clientKey?: string
  /** Further `host:port` to fail over to, in order. */
  alternatives: string[]
  httpTimeoutMs: number
  /** Statements and dot-commands to run instead of reading standard input (`-e`, repeatable). */
  execute: string[]
}

export type ParsedCommandLine = { kind: 'run'; options: ShellOptions } | { kind: 'help' } | { kind: 'version' }

export class ShellUsageError extends Error {
  override name = 'ShellUsageError'
}

interface OptionSpec {
  short: string
  long: string
  value: boolean
  usage: string
}

const SPECS: OptionSpec[] = [
  { short: 'h', long: 'help', value: false, usage: 'display help information' },
  { short: 'a', long: 'alternatives', value: true, usage: 'comma separated list of host:port to fail over to' },
  { short: 's', long: 'scheme', value: true, usage: 'protocol scheme (http or https) (default http)' },
  { short: 'H', long: 'host', value: true, usage: 'raftlited host address (default 127.0.0.1)' },
  { short: 'p', long: 'port', value: true, usage: 'raftlited host port (default 4001)' },
  { short: 'P', long: 'prefix', value: true, usage: 'raftlited HTTP URL prefix (default /)' },
  { short: 'i', long: 'insecure', value: false, usage: 'do not verify the HTTPS certificate' },
  { short: 'c', long: 'ca-cert', value: true, usage: 'path to trusted X.509 root CA certificate' },
  { short: 'd', long: 'client-cert', value: true, usage: 'path to client X.509 certificate for mTLS' },
  { short: 'k', long: 'client-key', value: true, usage: 'path to client X.509 key for mTLS' },
  { short: 'u', long: 'user', value: true, usage: 'basic auth credentials in form username:password' },
  { short: 'v', long: 'version', value: false, usage: 'display the CLI version' },
  { short: 't', long: 'http-timeout', value: true, usage: 'HTTP timeout, a Go duration (default 30s)' },
  { short: 'e', long: 'execute', value: true, usage: 'run this SQL or dot-command and exit (repeatable)' },
]

export function shellUsage(program = 'raftlite'): string {
  const lines = SPECS.map((s) => `  -${s.short}, --${s.long}${s.value ? ' <value>' : ''}`.padEnd(34) + s.usage)
  return [
    `Usage: ${program} [options]`,
    '',
    'Options:',
    ...lines,
    '',
    'Environment:',
    '  RAFTLITE_HOST, RQLITE_HOST   [scheme://]host[:port] to connect to (ignored with -H, -p or -s)',
    '  RAFTLITE_HISTFILESIZE        history entries kept (default 100; 0 disables history)',
    '',
    'Statements and dot-commands piped on standard input run one after another;',
    'the exit status is 1 if any of them failed.',
  ].join('\n')
}

export function parseShellCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCommandLine {
  const given = new Map<string, string | true>()
  const executes: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const match = /^(--?)([^=]+)(?:=(.*))?$/s.exec(arg)
    if (!match || arg === '-' || arg === '--') throw new ShellUsageError(`unexpected argument: ${arg}`)
    const [, dashes, name, inline] = match
    const spec = SPECS.find((s) => (dashes === '-' ? s.short === name || s.long === name : s.long === name))
    if (!spec) throw new ShellUsageError(`unknown option: ${arg}`)
    let value: string | true = true
    if (spec.value) {
      if (inline !== undefined) value = inline
      else if (i + 1 < argv.length) value = argv[++i]
      else throw new ShellUsageError(`option -${spec.short}/--${spec.long} needs a value`)
    } else if (inline !== undefined) {
      if (!/^(true|false|1|0)$/.test(inline)) throw new ShellUsageError(`option --${spec.long} takes true or false, not ${JSON.stringify(inline)}`)
      if (inline === 'false' || inline === '0') continue
    }
    if (spec.long === 'execute') executes.push(value as string)
    else given.set(spec.long, value)
  }
  if (given.has('help')) return { kind: 'help' }
  if (given.has('version')) return { kind: 'version' }

  const str = (name: string) => {
    const v = given.get(name)
    return typeof v === 'string' ? v : undefined
  }
  let scheme = str('scheme') ?? 'http'
  let host = str('host') ?? '127.0.0.1'
  let port = str('port') ?? '4001'
  const envHost = env.RAFTLITE_HOST || env.RQLITE_HOST
  if (envHost && !given.has('host') && !given.has('port') && !given.has('scheme')) {
    const parsed = parseHostSpec(envHost)
    scheme = parsed.scheme ?? scheme
    host = parsed.host
    port = parsed.port ?? port
  }
  if (scheme !== 'http' && scheme !== 'https') throw new ShellUsageError(`invalid scheme ${JSON.stringify(scheme)}: use http or https`)
  const portNumber = Number(port)
  if (!/^\d+$/.test(port) || portNumber < 1 || portNumber > 65535) throw new ShellUsageError(`invalid port ${JSON.stringify(port)}: a number from 1 to 65535`)
  const credentials = str('user')
  if (credentials !== undefined && !credentials.includes(':')) throw new ShellUsageError('invalid credentials: use -u username:password')
  let httpTimeoutMs = 30_000
  const timeout = str('http-timeout')
  if (timeout !== undefined) {
    try {
      httpTimeoutMs = Number(parseGoDurationNs(timeout) / 1_000_000n)
    } catch {
      throw new ShellUsageError(`invalid HTTP timeout ${JSON.stringify(timeout)}: a duration such as 30s or 1m`)
    }
    if (httpTimeoutMs <= 0) throw new ShellUsageError('the HTTP timeout must be positive')
  }
  const alternatives = (str('alternatives') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const alt of alternatives) {
    if (!/^[^\s/:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(alt)) throw new ShellUsageError(`invalid alternative ${JSON.stringify(alt)}: use host:port`)
  }
  return {
    kind: 'run',
    options: {
      scheme,
      host,
      port: portNumber,
      prefix: normalizePrefix(str('prefix') ?? '/'),
      credentials,
      insecure: given.has('insecure'),
      caCert: str('ca-cert'),
      clientCert: str('client-cert'),
      clientKey: str('client-key'),
      alternatives,
      httpTimeoutMs,
      execute: executes,
    },
  }
}

/** `[scheme://]host[:port]`, as RQLITE_HOST takes it. */
export function parseHostSpec(spec: string): { scheme?: Scheme; host: string; port?: string } {
  let rest = spec.trim()
  let scheme: Scheme | undefined
  const schemeMatch = /^([a-z]+):\/\//i.exec(rest)
  if (schemeMatch) {
    const s = schemeMatch[1].toLowerCase()
    if (s !== 'http' && s !== 'https') throw new ShellUsageError(`invalid scheme in ${JSON.stringify(spec)}: use http or https`)
    scheme = s
    rest = rest.slice(schemeMatch[0].length)
  }
  rest = rest.replace(/\/+$/, '')
  const hostPort = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?$/.exec(rest)
  if (!hostPort) throw new ShellUsageError(`invalid host ${JSON.stringify(spec)}: use [scheme://]host[:port]`)
  return { scheme, host: hostPort[1], port: hostPort[2] }
}

function normalizePrefix(prefix: string): string {
  let p = prefix.trim()
  if (!p.startsWith('/')) p = `/${p}`
  if (!p.endsWith('/')) p = `${p}/`
  return p
}
