/**
 * The synchronous file port: everything the engine needs from a file system.
 *
 * Synchronous because SQLite's VFS calls are synchronous (WASM cannot await). Runtime adapters
 * live in `runtimes/<runtime>/`; `src/storage/memory-file-port.ts` serves tests.
 * Positions and sizes are plain numbers: exact up to 2^53 bytes, far beyond any database.
 */
export interface FileHandle {
  /** Reads into `target` from `position`; returns the bytes read (short at end of file). */
  read(target: Uint8Array, position: number): number
  write(source: Uint8Array, position: number): void
  truncate(size: number): void
  /** Makes everything written so far durable (fsync/fdatasync). */
  sync(): void
  /**
   * As `sync`, without blocking the thread while the disk works (a runtime with a thread pool
   * offers it). The Raft log and snapshots use it; they write nothing to the file until it settles.
   */
  syncAsync?(): Promise<void>
  size(): number
  /** Last modification time (ms): with the size, a cheap fingerprint of a file. */
  modifiedAt(): number
  close(): void
}

export interface OpenOptions {
  create: boolean
  readOnly?: boolean
}

export interface FilePort {
  /**
   * How far ahead of its records an append-only file (the Raft log) is best zero-filled: on a
   * disk file system, an fsync of writes over existing blocks commits no metadata. Absent where
   * that buys nothing (memory, Durable Object storage).
   */
  readonly preallocateBytes?: number
  /** Throws `FileNotFoundError` when the file is missing and `create` is false. */
  open(path: string, options: OpenOptions): FileHandle
  exists(path: string): boolean
  /** Deletes a file; a missing file is not an error. */
  delete(path: string): void
  rename(from: string, to: string): void
  /** Creates a directory and any missing parents, durably (each new entry's parent fsynced). */
  mkdirp(path: string): void
  /** Names (not paths) of the entries of a directory; [] when it does not exist. */
  list(path: string): string[]
  /** Makes a directory's entries (creates, renames, deletes) durable. */
  syncDirectory(path: string): void
  /**
   * As `syncDirectory`, without blocking the thread while the disk works (a runtime with a
   * thread pool offers it). Durable as of the call: entries changed meanwhile may not be.
   */
  syncDirectoryAsync?(path: string): Promise<void>
  /**
   * Takes an exclusive, cross-process lock on `path` (creating it), so two processes never
   * open one data directory. Returns the release function; throws `LockedError` if held.
   */
  lock(path: string): () => void
}

export class FileNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`no such file: ${path}`)
    this.name = 'FileNotFoundError'
  }
}

export class LockedError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`${path} is locked by another process (${detail}); is another node using this data directory?`)
    this.name = 'LockedError'
  }
}

/** `handle.syncAsync()` where the port offers it, else `handle.sync()` (blocking). */
export function syncHandle(handle: FileHandle): Promise<void> {
  if (handle.syncAsync) return handle.syncAsync()
  handle.sync()
  return Promise.resolve()
}

/** `files.syncDirectoryAsync(path)` where the port offers it, else `files.syncDirectory(path)` (blocking). */
export function syncDirectoryAsync(files: FilePort, path: string): Promise<void> {
  if (files.syncDirectoryAsync) return files.syncDirectoryAsync(path)
  files.syncDirectory(path)
  return Promise.resolve()
}

/** A whole (small) file as text: markers, metadata, peers.json. */
export function readTextFile(files: FilePort, path: string): string {
  const h = files.open(path, { create: false, readOnly: true })
  try {
    const bytes = new Uint8Array(h.size())
    h.read(bytes, 0)
    return new TextDecoder().decode(bytes)
  } finally {
    h.close()
  }
}

/** Joins path segments with '/', the separator every runtime accepts. */
export function joinPath(...parts: string[]): string {
  return parts.join('/').replace(/\/{2,}/g, '/')
}
