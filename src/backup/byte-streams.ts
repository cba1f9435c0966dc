/**
 * The byte streams a backup is made of: a database image's pages, and a file read from disk, a
 * chunk at a time, so neither is ever held whole in memory.
 */
import type { BackupImage } from '../db/backup-image.ts'
import type { FilePort } from '../ports/file-port.ts'

/** Pages read from an image per chunk. */
const PAGES_PER_CHUNK = 64
const FILE_CHUNK_BYTES = 1024 * 1024

/** The image's pages; `rollback` marks the copy rollback-journal mode (rqlite's `fmt=delete`). */
export function imagePageStream(image: BackupImage, rollback = false): ReadableStream<Uint8Array> {
  let next = 1
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (next > image.pageCount) {
          image.close()
          return controller.close()
        }
        const chunk = await image.read(next, PAGES_PER_CHUNK)
        if (next === 1 && rollback) chunk.set([1, 1], 18) // file format write/read versions: 1 = rollback journal
        next += PAGES_PER_CHUNK
        controller.enqueue(chunk)
      } catch (e) {
        image.close()
        controller.error(e) // the reader sees a broken transfer, never a short file that looks whole
      }
    },
    cancel: () => image.close(),
  })
}

/** A file's bytes; the handle closes at the end or when the reader cancels. */
export function fileByteStream(files: FilePort, path: string): ReadableStream<Uint8Array> {
  const handle = files.open(path, { create: false, readOnly: true })
  const size = handle.size()
  let offset = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= size) {
        handle.close()
        return controller.close()
      }
      const chunk = new Uint8Array(Math.min(FILE_CHUNK_BYTES, size - offset))
      handle.read(chunk, offset)
      offset += chunk.length
      controller.enqueue(chunk)
    },
    cancel: () => handle.close(),
  })
}
