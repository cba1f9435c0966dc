import type { FileHandle, FilePort, OpenOptions } from '../../src/ports/file-port.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'

/** The error an injected fault throws (the disk said EIO or ENOSPC). */
export class InjectedIoError extends Error {
  constructor(readonly kind: string, readonly path: string) {
    super(`EIO: injected I/O error (${kind} ${path})`)
    this.name = 'InjectedIoError'
  }
}

/**
 * A file port whose n-th mutating operation (creating a file, writing, truncating, syncing,
 * deleting, renaming, syncing a directory) fails once with an I/O error and changes nothing;
 * every other operation goes through. Unlike a power cut, the process keeps running.
 */
export class FailingFilePort extends DelegatingFilePort {
  count = 0
  /** What failed ('write /d/db.sqlite', …), once it did. */
  failed = ''
  constructor(inner: FilePort, public failAt = Infinity) {
    super(inner)
  }

  #step(kind: string, path: string): void {
    if (++this.count !== this.failAt) return
    this.failed = `${kind} ${path}`
    throw new InjectedIoError(kind, path)
  }

  override open(path: string, options: OpenOptions): FileHandle {
    if (options.create && !this.inner.exists(path)) this.#step('create', path)
    const h = this.inner.open(path, options)
    return {
      read: (t, p) => h.read(t, p),
      modifiedAt: () => h.modifiedAt(),
      write: (s, p) => {
        this.#step('write', path)
        h.write(s, p)
      },
      truncate: (n) => {
        this.#step('truncate', path)
        h.truncate(n)
      },
      sync: () => {
        this.#step('sync', path)
        h.sync()
      },
      syncAsync: async () => {
        this.#step('syncAsync', path)
        await (h.syncAsync ? h.syncAsync() : h.sync())
      },
      size: () => h.size(),
      close: () => h.close(),
    }
  }
  override delete(path: string): void {
    this.#step('delete', path)
    this.inner.delete(path)
  }
  override rename(from: string, to: string): void {
    this.#step('rename', from)
    this.inner.rename(from, to)
  }
  override syncDirectory(path: string): void {
    this.#step('syncDirectory', path)
    this.inner.syncDirectory(path)
  }
  override async syncDirectoryAsync(path: string): Promise<void> {
    this.#step('syncDirectory', path)
    await super.syncDirectoryAsync(path)
  }
}
