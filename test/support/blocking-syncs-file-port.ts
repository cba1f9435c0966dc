import type { FileHandle, OpenOptions } from '../../src/ports/file-port.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'

/** `h` with some of its methods replaced; the rest pass through. */
export function forwardHandle(h: FileHandle, overrides: Partial<FileHandle> = {}): FileHandle {
  return {
    read: (t, p) => h.read(t, p),
    write: (b, p) => h.write(b, p),
    truncate: (n) => h.truncate(n),
    size: () => h.size(),
    modifiedAt: () => h.modifiedAt(),
    close: () => h.close(),
    sync: () => h.sync(),
    ...(h.syncAsync ? { syncAsync: () => h.syncAsync!() } : {}),
    ...overrides,
  }
}

/** Notes every fsync (of a file or a directory) that blocks the thread while `watching`. */
export class BlockingSyncsFilePort extends DelegatingFilePort {
  watching = false
  readonly blocked: string[] = []
  override open(path: string, options: OpenOptions): FileHandle {
    const h = this.inner.open(path, options)
    return forwardHandle(h, {
      sync: () => {
        if (this.watching) this.blocked.push(`fsync ${path}`)
        h.sync()
      },
    })
  }
  override syncDirectory(path: string): void {
    if (this.watching) this.blocked.push(`fsync directory ${path}`)
    this.inner.syncDirectory(path)
  }
}
