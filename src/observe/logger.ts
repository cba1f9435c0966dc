/**
 * Structured logging: every line names its subsystem and level, and carries fields a machine can
 * read. A sink decides the format (JSON lines, or text for a terminal); the logger only filters.
 * Disabled levels cost one comparison, so callers may log freely off the hot path.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/** The parts of a node that log (free-form so extensions can add their own). */
export type Subsystem = 'node' | 'raft' | 'store' | 'http' | 'cluster' | 'snapshot' | 'cdc' | 'backup' | 'auth' | (string & {})

export type LogFields = Record<string, unknown>

export interface LogRecord {
  /** Milliseconds since the epoch, from the node's clock. */
  time: number
  level: LogLevel
  subsystem: string
  msg: string
  fields?: LogFields
}

export interface LogSink {
  write(record: LogRecord): void
}

const RANK: Record<LogLevel | 'off', number> = { debug: 10, info: 20, warn: 30, error: 40, off: 100 }

/** Parses a level as rqlite's flags spell it (`INFO`, `warn`, `WARNING`, `off`), or null. */
export function parseLogLevel(text: string): LogLevel | 'off' | null {
  const t = text.trim().toLowerCase()
  if (t === 'warning') return 'warn'
  if (t === 'trace') return 'debug'
  if (t === 'fatal' || t === 'dpanic' || t === 'panic') return 'error'
  return t in RANK ? (t as LogLevel | 'off') : null
}

export interface LoggerOptions {
  sink: LogSink
  /** The level of every subsystem without one of its own. */
  level?: LogLevel | 'off'
  /** Per-subsystem levels, e.g. `{ raft: 'warn' }` for `-raft-log-level`. */
  levels?: Partial<Record<string, LogLevel | 'off'>>
  now?: () => number
}

/** One subsystem's view of a logger. */
export interface SubsystemLogger {
  readonly subsystem: string
  enabled(level: LogLevel): boolean
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

export class Logger {
  readonly #sink: LogSink
  readonly #level: number
  readonly #levels: Map<string, number>
  readonly #now: () => number
  readonly #children = new Map<string, SubsystemLogger>()

  constructor(options: LoggerOptions) {
    this.#sink = options.sink
    this.#level = RANK[options.level ?? 'info']
    this.#levels = new Map(Object.entries(options.levels ?? {}).flatMap(([k, v]) => (v ? [[k, RANK[v]]] : [])))
    this.#now = options.now ?? (() => Date.now())
  }

  enabled(subsystem: string, level: LogLevel): boolean {
    return RANK[level] >= (this.#levels.get(subsystem) ?? this.#level)
  }

  log(subsystem: string, level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.enabled(subsystem, level)) return
    const record: LogRecord = { time: this.#now(), level, subsystem, msg }
    if (fields && Object.keys(fields).length > 0) record.fields = fields
    try {
      this.#sink.write(record)
    } catch {
      // A broken sink (closed stdout, full disk) must never fail the work being logged.
    }
  }

  for(subsystem: Subsystem): SubsystemLogger {
    let child = this.#children.get(subsystem)
    if (!child) {
      const log = (level: LogLevel) => (msg: string, fields?: LogFields) => this.log(subsystem, level, msg, fields)
      child = {
        subsystem,
        enabled: (level) => this.enabled(subsystem, level),
        debug: log('debug'),
        info: log('info'),
        warn: log('warn'),
        error: log('error'),
      }
      this.#children.set(subsystem, child)
    }
    return child
  }
}

/** Drops everything: the default of a library node nobody asked to log. */
export const silentLogger: Logger = new Logger({ sink: { write() {} }, level: 'off' })

/** One JSON object per line (for machines), written through `writeLine`. */
export function jsonLineSink(writeLine: (line: string) => void): LogSink {
  return {
    write(r) {
      writeLine(JSON.stringify({ time: new Date(r.time).toISOString(), level: r.level, subsystem: r.subsystem, msg: r.msg, ...r.fields }, jsonSafe))
    },
  }
}

/** ANSI colours of each level on a terminal (SGR codes). */
const COLOUR: Record<LogLevel, string> = { debug: '90', info: '36', warn: '33', error: '31' }

/** A readable line per record, for a person at a terminal; `colour` adds ANSI colours by level. */
export function textLineSink(writeLine: (line: string) => void, options: { colour?: boolean } = {}): LogSink {
  const paint = options.colour ? (code: string, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_code: string, s: string) => s
  return {
    write(r) {
      const fields = r.fields ? Object.entries(r.fields).map(([k, v]) => ` ${paint('2', `${k}=`)}${formatValue(v)}`).join('') : ''
      const time = paint('2', new Date(r.time).toISOString())
      writeLine(`${time} ${paint(COLOUR[r.level], r.level.toUpperCase().padEnd(5))} [${r.subsystem}] ${r.msg}${fields}`)
    },
  }
}

/** Records kept in memory, for tests and for the console's recent events. */
export class MemoryLogSink implements LogSink {
  readonly records: LogRecord[] = []
  constructor(readonly capacity = 10_000) {}
  write(record: LogRecord): void {
    this.records.push(record)
    if (this.records.length > this.capacity) this.records.shift()
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return value.message
  return value
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v
  if (v instanceof Error) return JSON.stringify(v.message)
  if (typeof v === 'bigint') return v.toString()
  return JSON.stringify(v) ?? String(v)
}
