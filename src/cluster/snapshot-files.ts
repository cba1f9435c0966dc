/**
 * The snapshot store's files: where they live (`snapshot/` beside the live database), its records
 * (`meta.json` with the live file's fingerprint, `pending.json`), and the synced copies that
 * taking, installing and the start's recovery all make.
 */
import { crc32c } from '../log/crc32c.ts'
import { Xxh32 } from '../log/xxh32.ts'
import { type DataDigest, DataDigester } from './data-digest.ts'
import { type FilePort, joinPath, syncDirectoryAsync } from '../ports/file-port.ts'
import { readSnapshotJson, writeSnapshotJson, writeSnapshotJsonAsync } from './snapshot-json.ts'
import type { PendingSnapshot, SnapshotMeta, SnapshotPoint } from './snapshot-types.ts'

export const COPY_CHUNK = 1024 * 1024

export class SnapshotFiles {
  readonly dir: string
  readonly dataPath: string
  readonly incomingPath: string
  /** The directory holding the live database. */
  readonly liveDir: string

  constructor(
    readonly files: FilePort,
    dataDir: string,
    /** Path of the live database. */
    readonly livePath: string,
  ) {
    this.dir = joinPath(dataDir, 'snapshot')
    this.dataPath = joinPath(this.dir, 'data.db')
    this.incomingPath = joinPath(this.dir, 'incoming.db')
    this.liveDir = livePath.includes('/') ? livePath.slice(0, livePath.lastIndexOf('/')) || '/' : '.'
    files.mkdirp(this.dir)
  }

  readJson<T>(name: string): T | undefined {
    return readSnapshotJson<T>(this.files, this.dir, name)
  }

  writeJson(name: string, value: unknown): void {
    writeSnapshotJson(this.files, this.dir, name, value)
  }

  writeJsonAsync(name: string, value: unknown, current: () => boolean): Promise<void> {
    return writeSnapshotJsonAsync(this.files, this.dir, name, value, current)
  }

  readMeta(): SnapshotMeta | undefined {
    return this.readJson<SnapshotMeta>('meta.json')
  }

  readPending(): PendingSnapshot | undefined {
    return this.readJson<PendingSnapshot>('pending.json')
  }

  receivedPath(index: number, term: number): string {
    return joinPath(this.dir, `received-${index}-${term}.db`)
  }

  /** Records `point` as the snapshot and clears the pending step. */
  finish(point: SnapshotPoint): SnapshotMeta {
    const meta = this.writeMeta({ ...point, version: 1, dbSize: 0, dbModifiedAt: 0 })
    this.clearPending()
    return meta
  }

  clearPending(): void {
    this.files.delete(joinPath(this.dir, 'pending.json'))
    this.files.syncDirectory(this.dir)
  }

  /** As `clearPending`, with the directory's fsync off the thread where the port offers it. */
  clearPendingAsync(): Promise<void> {
    this.files.delete(joinPath(this.dir, 'pending.json'))
    return syncDirectoryAsync(this.files, this.dir)
  }

  /** Writes the metadata with the live file's current fingerprint. */
  writeMeta(meta: SnapshotMeta): SnapshotMeta {
    const fingerprinted = this.#fingerprint(meta)
    this.writeJson('meta.json', fingerprinted)
    return fingerprinted
  }

  async writeMetaAsync(meta: SnapshotMeta, current: () => boolean): Promise<SnapshotMeta> {
    const fingerprinted = this.#fingerprint(meta)
    await this.writeJsonAsync('meta.json', fingerprinted, current)
    return fingerprinted
  }

  #fingerprint(meta: SnapshotMeta): SnapshotMeta {
    const h = this.files.open(this.livePath, { create: false, readOnly: true })
    try {
      return { ...meta, dbSize: h.size(), dbModifiedAt: h.modifiedAt() }
    } finally {
      h.close()
    }
  }

  /**
   * Whether the live file still has the fingerprint `meta` recorded and, where `meta` has the
   * snapshot's checksum, still reads with it: bit rot keeps size and mtime, and SQLite serves a
   * damaged row without a word (PRAGMA integrity_check passes), so the fingerprint alone let a
   * restart serve it. One read of the file per start, with XXH32 where recorded (a 1 GiB file
   * in about 0.2 s, against 1.1 s for CRC-32C); without a recorded checksum, no match.
   */
  matches(meta: SnapshotMeta): boolean {
    if (!this.files.exists(this.livePath)) return false
    const h = this.files.open(this.livePath, { create: false, readOnly: true })
    try {
      if (h.size() !== meta.dbSize || h.modifiedAt() !== meta.dbModifiedAt) return false
    } finally {
      h.close()
    }
    // No checksum yet (it is computed in the background after a snapshot, and a crash can come
    // first): the live file cannot be verified, so it is not trusted; the copy is restored.
    if (meta.dataXxh32 !== undefined) {
      const xxh = new Xxh32()
      this.#readAll(this.livePath, (chunk) => xxh.update(chunk))
      return xxh.digest() === meta.dataXxh32 >>> 0
    }
    if (meta.dataCrc32c === undefined) return false
    let crc = 0
    this.#readAll(this.livePath, (chunk) => (crc = crc32c(chunk, crc)))
    return crc >>> 0 === meta.dataCrc32c >>> 0
  }

  /** Feeds a whole file to `each`, a chunk at a time. */
  #readAll(path: string, each: (chunk: Uint8Array) => void): void {
    const h = this.files.open(path, { create: false, readOnly: true })
    try {
      const size = h.size()
      const buffer = new Uint8Array(Math.min(COPY_CHUNK, Math.max(1, size)))
      for (let offset = 0; offset < size; ) {
        const n = h.read(buffer, offset)
        if (n === 0) break
        each(buffer.subarray(0, n))
        offset += n
      }
    } finally {
      h.close()
    }
  }

  deleteLive(suffixes: string[]): void {
    for (const suffix of suffixes) this.files.delete(`${this.livePath}${suffix}`)
  }

  size(path: string): number {
    if (!this.files.exists(path)) return 0
    const h = this.files.open(path, { create: false, readOnly: true })
    try {
      return h.size()
    } finally {
      h.close()
    }
  }

  /** Copies a file and fsyncs the copy; returns the checksums of what was copied. */
  copy(from: string, to: string): DataDigest {
    const digest = this.copyToTemp(from, `${to}.tmp`)
    this.files.rename(`${to}.tmp`, to)
    this.files.syncDirectory(to === this.livePath ? this.liveDir : this.dir)
    return digest
  }

  /** Copies a file into `tmp` and fsyncs it; returns the checksums of what was copied. */
  copyToTemp(from: string, tmp: string): DataDigest {
    const source = this.files.open(from, { create: false, readOnly: true })
    this.files.delete(tmp)
    const target = this.files.open(tmp, { create: true })
    const digester = new DataDigester()
    try {
      const size = source.size()
      const buffer = new Uint8Array(Math.min(COPY_CHUNK, Math.max(1, size)))
      for (let offset = 0; offset < size; ) {
        const n = source.read(buffer, offset)
        if (n === 0) break
        target.write(buffer.subarray(0, n), offset)
        digester.update(buffer.subarray(0, n))
        offset += n
      }
      target.sync()
    } finally {
      source.close()
      target.close()
    }
    return digester.digest()
  }
}
