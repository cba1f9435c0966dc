/** What the shell needs from its runtime: output streams, files, a clock and the terminal (HTTP goes through `FetchPort`). */
export interface FileSink {
  write(chunk: Uint8Array | string): Promise<void>
  close(): Promise<void>
}

export interface ShellIo {
  /** Standard output. */
  out(text: string): void
  /** Standard error: errors, progress. */
  err(text: string): void
  readFile(path: string): Promise<Uint8Array>
  /** Creates (or truncates) a file to write to. */
  createFile(path: string): Promise<FileSink>
  /** Monotonic milliseconds. */
  now(): number
  /** Standard output is a terminal: tables may page, progress bars may draw. */
  readonly interactive: boolean
  /** Terminal size, when there is one. */
  terminalSize?(): { columns: number; rows: number }
  /** Shows text through $PAGER; absent when there is none. */
  page?(text: string): Promise<void>
}
