import type { FileHandle } from '../../src/ports/file-port.ts'
import type { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'

/**
 * A file port that cuts the power at its n-th mutating operation (creating a file, writing,
 * truncating, syncing, deleting, renaming, syncing a directory): that operation fails — a cut
 * write lands only in part — and so does every later one. With `MemoryFilePort.crash()` after
 * it, tests see exactly what a power failure at that point would leave.
 */
export class PowerCut extends Error {}

const SECTOR_BYTES = 512

export class CuttingFilePort extends DelegatingFilePort {
  count = 0
  /** What the cut operation was ('write', 'sync', 'syncAsync', …), once it happened. */
  cutKind = ''
  /** The cut operation and its file ('write /d/db.sqlite'), once it happened. */
  cutOp = ''
  /** Every mutating operation so far, as `kind path`, when `recording` is on. */
  readonly ops: string[] = []
  recording = false
  /** Operations attempted after the cut (each failed): a crashed node that still runs shows here. */
  afterCut = 0
  /** The operation that fails (and every one after it); Infinity until set. */
  constructor(inner: MemoryFilePort, public cutAt = Infinity) {
    super(inner)
  }

  /** Cut at the next asynchronous fsync, whatever its number. */
  cutAtNextSyncAsync = false
  /** How long a cut asynchronous fsync takes to fail: a disk that stalls, then reports EIO. */
  syncFailDelayMs = 0

  #target: { op: string; left: number } | undefined

  /** Cut at the first write from this operation number on (to a file `cutWritesTo` matches): it lands in part. */
  cutAtWriteFrom = Infinity
  cutWritesTo = /./

  /**
   * Cut at the `occurrence`-th operation from now that is `op` ('write /d/db.sqlite'), wherever
   * other work puts it: a cut by position lands elsewhere once concurrent writes interleave.
   */
  cutAtOperation(op: string, occurrence: number): void {
    this.#target = { op, left: occurrence }
  }

  #step(kind: string, path: string): boolean {
    this.count++
    const op = `${kind} ${path}`
    if (this.recording) this.ops.push(op)
    if (this.#target?.op === op && --this.#target.left === 0 && this.count < this.cutAt) this.cutAt = this.count
    if (this.cutAtNextSyncAsync && kind === 'syncAsync' && this.count < this.cutAt) this.cutAt = this.count
    if (kind === 'write' && this.count >= this.cutAtWriteFrom && this.cutWritesTo.test(path) && this.count < this.cutAt) this.cutAt = this.count
    if (this.count > this.cutAt) {
      this.afterCut++
      throw new PowerCut('power cut')
    }
    if (this.count === this.cutAt) {
      this.cutKind = kind
      this.cutOp = op
    }
    return this.count === this.cutAt
  }

  override open(path: string, options: { create: boolean; readOnly?: boolean }): FileHandle {
    if (options.create && !this.inner.exists(path) && this.#step('create', path)) throw new PowerCut('power cut')
    const h = this.inner.open(path, options)
    return {
      read: (t, p) => h.read(t, p),
      modifiedAt: () => h.modifiedAt(),
      write: (s, p) => {
        if (this.#step('write', path)) {
          // The write lands in part: its sectors up to about its middle. A disk writes a sector
          // whole or not at all (the unit every recovery rule assumes), so no write ends inside one.
          const landed = Math.floor((p + (s.length >> 1)) / SECTOR_BYTES) * SECTOR_BYTES - p
          if (landed > 0) h.write(s.subarray(0, landed), p)
          throw new PowerCut('power cut')
        }
        h.write(s, p)
      },
      truncate: (n) => (this.#step('truncate', path) ? (() => { throw new PowerCut('power cut') })() : h.truncate(n)),
      sync: () => (this.#step('sync', path) ? (() => { throw new PowerCut('power cut') })() : h.sync()),
      syncAsync: async () => {
        if (this.#step('syncAsync', path)) {
          if (this.syncFailDelayMs > 0) await new Promise((r) => setTimeout(r, this.syncFailDelayMs))
          throw new PowerCut('power cut')
        }
        await (h.syncAsync ? h.syncAsync() : h.sync())
      },
      size: () => h.size(),
      close: () => h.close(),
    }
  }
  override delete(path: string) {
    if (this.#step('delete', path)) throw new PowerCut('power cut')
    this.inner.delete(path)
  }
  override rename(from: string, to: string) {
    if (this.#step('rename', `${from} -> ${to}`)) throw new PowerCut('power cut')
    this.inner.rename(from, to)
  }
  override syncDirectory(path: string) {
    if (this.#step('syncDirectory', path)) throw new PowerCut('power cut')
    this.inner.syncDirectory(path)
  }
  override async syncDirectoryAsync(path: string) {
    if (this.#step('syncDirectory', path)) throw new PowerCut('power cut')
    await super.syncDirectoryAsync(path)
  }
}
