import { type FileHandle, type FilePort, type OpenOptions, syncDirectoryAsync } from '../ports/file-port.ts'

/** A file port that passes everything to another: subclasses override what they watch or change. */
export class DelegatingFilePort implements FilePort {
  constructor(readonly inner: FilePort) {}
  open(path: string, options: OpenOptions): FileHandle {
    return this.inner.open(path, options)
  }
  exists(path: string): boolean {
    return this.inner.exists(path)
  }
  delete(path: string): void {
    this.inner.delete(path)
  }
  rename(from: string, to: string): void {
    this.inner.rename(from, to)
  }
  mkdirp(path: string): void {
    this.inner.mkdirp(path)
  }
  list(path: string): string[] {
    return this.inner.list(path)
  }
  syncDirectory(path: string): void {
    this.inner.syncDirectory(path)
  }
  /** A subclass that watches `syncDirectory` must watch this too. */
  syncDirectoryAsync(path: string): Promise<void> {
    return syncDirectoryAsync(this.inner, path)
  }
  lock(path: string): () => void {
    return this.inner.lock(path)
  }
}
