import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { DurableLog, type DurableLogOptions } from '../../src/log/durable-log.ts'
import { type FileHandle, type FilePort, joinPath } from '../../src/ports/file-port.ts'
import type { RaftStorage } from '../../src/raft/storage.ts'
import type { Entry } from '../../src/raft/types.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

export const DIR = '/data/log'

/** A deterministic entry with `size` bytes of non-zero data (zero runs would look like torn writes). */
export function entry(index: number, term: number, size = 100): Entry {
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = 1 + ((index * 31 + term * 7 + i) % 251)
  return { index, term, type: index % 7 === 0 ? 'confChange' : 'normal', data }
}

export function entries(from: number, to: number, term: number, size = 100): Entry[] {
  const out: Entry[] = []
  for (let i = from; i <= to; i++) out.push(entry(i, term, size))
  return out
}

export function open(files: FilePort, options: DurableLogOptions = {}): DurableLog {
  return DurableLog.open(files, DIR, options)
}

/** Everything a RaftStorage shows, for comparing two of them. */
export function view(s: RaftStorage) {
  const first = s.firstIndex()
  const last = s.lastIndex()
  const terms: number[] = []
  for (let i = first - 1; i <= last; i++) terms.push(s.term(i))
  return {
    first,
    last,
    terms,
    entries: last >= first ? s.entries(first, last + 1, Infinity).map(plain) : [],
    snapshot: s.snapshot().metadata,
    initial: s.initialState(),
  }
}

function plain(e: Entry) {
  return { index: e.index, term: e.term, type: e.type, data: Array.from(e.data) }
}

export function segmentNames(files: FilePort): string[] {
  return files.list(DIR).filter((n) => n.endsWith('.seg'))
}

export function readBytes(files: FilePort, path: string): Uint8Array {
  const h = files.open(path, { create: false })
  const buf = new Uint8Array(h.size())
  h.read(buf, 0)
  h.close()
  return buf
}

/** Replaces a file's bytes durably (as if the disk held them). */
export function writeBytes(files: FilePort, path: string, bytes: Uint8Array): void {
  const h = files.open(path, { create: true })
  h.truncate(0)
  h.write(bytes, 0)
  h.sync()
  h.close()
}

export function flipBit(files: FilePort, path: string, offset: number, bit = 0): void {
  const bytes = readBytes(files, path)
  bytes[offset] ^= 1 << bit
  writeBytes(files, path, bytes)
}

export function segPath(name: string): string {
  return joinPath(DIR, name)
}

/** Counts fsyncs per file and directory syncs, to check group commit. */
export class CountingFilePort extends DelegatingFilePort {
  readonly fileSyncs = new Map<string, number>()
  dirSyncs = 0
  constructor(inner: FilePort = new MemoryFilePort()) {
    super(inner)
  }

  reset(): void {
    this.fileSyncs.clear()
    this.dirSyncs = 0
  }

  get totalFileSyncs(): number {
    return [...this.fileSyncs.values()].reduce((a, b) => a + b, 0)
  }

  override open(path: string, options: { create: boolean; readOnly?: boolean }): FileHandle {
    const h = this.inner.open(path, options)
    const counts = this.fileSyncs
    return {
      read: (t, p) => h.read(t, p),
      modifiedAt: () => h.modifiedAt(),
      write: (s, p) => h.write(s, p),
      truncate: (n) => h.truncate(n),
      sync: () => {
        counts.set(path, (counts.get(path) ?? 0) + 1)
        h.sync()
      },
      size: () => h.size(),
      close: () => h.close(),
    }
  }
  override syncDirectory(path: string) {
    this.dirSyncs++
    this.inner.syncDirectory(path)
  }
  override syncDirectoryAsync(path: string) {
    this.dirSyncs++
    return super.syncDirectoryAsync(path)
  }
}
