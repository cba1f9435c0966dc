/**
 * The store's small records (`meta.json`, `pending.json`, `incoming.json`): JSON with a CRC-32C,
 * replaced atomically (write, fsync, rename, fsync the directory).
 */
import { crc32c } from '../log/crc32c.ts'
import { type FileHandle, type FilePort, joinPath, readTextFile, syncDirectoryAsync, syncHandle } from '../ports/file-port.ts'
import { SnapshotCorruptionError, SnapshotSupersededError } from './snapshot-errors.ts'

const encoder = new TextEncoder()

export function writeSnapshotJson(files: FilePort, dir: string, name: string, value: unknown): void {
  const { path, tmp, h } = writeTemp(files, dir, name, value)
  try {
    h.sync()
  } finally {
    h.close()
  }
  files.rename(tmp, path)
  files.syncDirectory(dir)
}

/**
 * `writeSnapshotJson` with the fsyncs (the file's, then its directory's) off the thread. The rename happens only if
 * `current()` still holds right then (else `SnapshotSupersededError`): an install that ran
 * meanwhile has the last word on the store's files.
 */
export async function writeSnapshotJsonAsync(files: FilePort, dir: string, name: string, value: unknown, current: () => boolean): Promise<void> {
  const { path, tmp, h } = writeTemp(files, dir, name, value)
  try {
    await syncHandle(h)
  } finally {
    h.close()
  }
  if (!current()) {
    files.delete(tmp)
    throw new SnapshotSupersededError()
  }
  files.rename(tmp, path)
  await syncDirectoryAsync(files, dir)
}

function writeTemp(files: FilePort, dir: string, name: string, value: unknown): { path: string; tmp: string; h: FileHandle } {
  const body = JSON.stringify(value)
  const bytes = encoder.encode(JSON.stringify({ crc32c: crc32c(encoder.encode(body)), body }))
  const path = joinPath(dir, name)
  const tmp = `${path}.tmp`
  const h = files.open(tmp, { create: true })
  try {
    h.truncate(0)
    h.write(bytes, 0)
  } catch (e) {
    h.close()
    throw e
  }
  return { path, tmp, h }
}

/** The record, or undefined if there is none; throws `SnapshotCorruptionError` if it is damaged. */
export function readSnapshotJson<T>(files: FilePort, dir: string, name: string): T | undefined {
  const path = joinPath(dir, name)
  if (!files.exists(path)) return undefined
  const text = readTextFile(files, path)
  let outer: { crc32c?: unknown; body?: unknown }
  try {
    outer = JSON.parse(text) as typeof outer
  } catch {
    throw new SnapshotCorruptionError(path, 'not JSON')
  }
  if (typeof outer.body !== 'string' || outer.crc32c !== crc32c(encoder.encode(outer.body))) {
    throw new SnapshotCorruptionError(path, 'checksum mismatch')
  }
  return JSON.parse(outer.body) as T
}
