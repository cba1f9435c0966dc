/** Backups to a directory (rqlite's `file` type): written beside, fsynced, renamed into place. */
import { type FilePort, joinPath, syncHandle } from '../ports/file-port.ts'
import type { BackupTarget } from './backup-target.ts'
import { fileByteStream } from './byte-streams.ts'

export class FileTarget implements BackupTarget {
  readonly description: string
  constructor(
    private readonly files: FilePort,
    private readonly dir: string,
    readonly name: string,
  ) {
    this.description = `file ${joinPath(dir, name)}`
  }

  async put(name: string, body: ReadableStream<Uint8Array>, _length: number): Promise<void> {
    const path = joinPath(this.dir, name)
    const temporary = `${path}.tmp`
    this.files.mkdirp(path.slice(0, path.lastIndexOf('/')) || '/')
    if (this.files.exists(temporary)) this.files.delete(temporary)
    const handle = this.files.open(temporary, { create: true })
    try {
      let offset = 0
      for await (const chunk of body) {
        handle.write(chunk, offset)
        offset += chunk.length
      }
      await syncHandle(handle)
    } finally {
      handle.close()
    }
    this.files.rename(temporary, path) // readers see the old backup or the new, never half of one
    this.files.syncDirectory(path.slice(0, path.lastIndexOf('/')) || '/')
  }

  async get(name: string): Promise<ReadableStream<Uint8Array> | null> {
    const path = joinPath(this.dir, name)
    if (!this.files.exists(path)) return null
    return fileByteStream(this.files, path)
  }
}
