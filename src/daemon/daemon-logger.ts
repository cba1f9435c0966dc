/**
 * The daemon's logger, from its flags: `-log-level` for every subsystem, `-raft-log-level` for
 * the consensus layer (rqlite's flag; WARN by default, as rqlite), `-log-format` json | text |
 * auto (coloured text on a terminal, JSON lines otherwise, so log shippers get JSON by default).
 * Lines go to stderr.
 */
import type { LogFormat } from '../cli/observe-flags.ts'
import { type LogSink, Logger, jsonLineSink, parseLogLevel, textLineSink } from '../observe/logger.ts'

export interface DaemonLogOptions {
  logLevel: string
  raftLogLevel: string
  logFormat: string
}

export interface LogOutput {
  stderr(line: string): void
  /** stderr is a terminal. */
  stderrIsTerminal?: boolean
  /** Colours are wanted there (a terminal, and NO_COLOR unset). */
  colour?: boolean
}

export function daemonLogSink(format: LogFormat, out: LogOutput): LogSink {
  const text = format === 'text' || (format === 'auto' && out.stderrIsTerminal === true)
  return text ? textLineSink(out.stderr, { colour: out.colour === true && out.stderrIsTerminal === true }) : jsonLineSink(out.stderr)
}

export function daemonLogger(options: DaemonLogOptions, out: LogOutput, now?: () => number): { logger: Logger; sink: LogSink } {
  const sink = daemonLogSink(options.logFormat as LogFormat, out)
  // The flags were validated when parsed: the levels are known.
  const level = parseLogLevel(options.logLevel) ?? 'info'
  const raft = parseLogLevel(options.raftLogLevel) ?? 'warn'
  return { logger: new Logger({ sink, level, levels: { raft }, now }), sink }
}
