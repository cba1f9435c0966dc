/**
 * What a backup reads: a consistent image of the database, page by page or as SQL text. A
 * `DatabaseImage` in the thread answers at once; an `EngineImageReader` asks the engine's worker.
 */
export interface BackupImage {
  readonly pageSize: number
  readonly pageCount: number
  readonly byteLength: number
  /** Pages `first` (1-based) to `first + count - 1`, as bytes of the file. */
  read(first: number, count: number): Uint8Array | Promise<Uint8Array>
  /** The image as SQL text, a piece at a time; `tables` picks tables. */
  sql(tables?: readonly string[]): Iterator<string> | AsyncIterator<string>
  close(): void
}
