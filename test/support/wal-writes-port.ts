import type { FileHandle, FilePort, OpenOptions } from '../../src/ports/file-port.ts'
import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { forwardHandle } from './blocking-syncs-file-port.ts'

/** Shows every write to a WAL (a `-wal` file) to `onWrite` first, which may note it or refuse it (throw). */
export class WalWritesPort extends DelegatingFilePort {
  constructor(
    inner: FilePort,
    private readonly onWrite: (bytes: Uint8Array, at: number) => void,
  ) {
    super(inner)
  }

  override open(path: string, options: OpenOptions): FileHandle {
    const h = this.inner.open(path, options)
    if (!path.endsWith('-wal')) return h
    return forwardHandle(h, {
      write: (bytes, at) => {
        this.onWrite(bytes, at)
        h.write(bytes, at)
      },
    })
  }
}
