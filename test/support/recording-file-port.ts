import { DelegatingFilePort } from '../../src/storage/delegating-file-port.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { FileHandle, FilePort, OpenOptions } from '../../src/ports/file-port.ts'

/** A file port that remembers every path it was asked to open, probe or delete. */
export class RecordingFilePort extends DelegatingFilePort {
  readonly touched = new Set<string>()

  constructor(inner: FilePort = new MemoryFilePort()) {
    super(inner)
  }

  override open(path: string, options: OpenOptions): FileHandle {
    this.touched.add(path)
    return super.open(path, options)
  }

  override exists(path: string): boolean {
    this.touched.add(path)
    return super.exists(path)
  }

  override delete(path: string): void {
    this.touched.add(path)
    super.delete(path)
  }

  /** The paths touched other than `own`. */
  strangers(own: readonly string[]): string[] {
    return [...this.touched].filter((p) => !own.includes(p))
  }
}
