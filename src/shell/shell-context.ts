/** What a dot-command sees of the running shell (the session implements it). */
import type { OutputMode } from './render-rows.ts'
import type { ShellHttp } from './shell-http.ts'
import type { ShellIo } from './shell-io.ts'

export type Consistency = 'none' | 'weak' | 'linearizable' | 'strong'

export interface ShellSettings {
  mode: OutputMode
  timer: boolean
  consistency: Consistency
  blobArray: boolean
  forceWrites: boolean
  /** The file `.output` sends results to, or undefined for standard output. */
  outputPath?: string
}

export interface ShellContext {
  readonly http: ShellHttp
  readonly io: ShellIo
  readonly settings: ShellSettings
  /** Cancels the running command (Ctrl-C). */
  readonly signal: AbortSignal
  /** Prints result lines (to `.output`'s file if set). */
  print(lines: string | string[]): Promise<void>
  /** Reports a failure: `Error: …` on standard error, and the exit status becomes 1. */
  fail(message: string): void
  /** Runs SQL as typed at the prompt (statements, dot-commands); used by `.read`. */
  runText(text: string): Promise<void>
  /** Runs one read and returns its rows: `.tables`, `.schema`, completion. */
  query(sql: string): Promise<void>
  /** Sends `.output` to a file, or back to standard output. */
  setOutput(path: string | undefined): Promise<void>
  /** Asks the session to end after this command. */
  exit(): void
}
