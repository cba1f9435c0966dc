import { type FileHandle, type FilePort, joinPath } from '../ports/file-port.ts'
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES, type SegmentHeader, segmentName } from './segment-header.ts'

/** An open segment file and where its entry records are. */
export class Segment {
  /** Byte offset of the record of entry `firstIndex + i`. */
  readonly offsets: number[] = []
  /** Byte size of that record. */
  readonly sizes: number[] = []

  constructor(
    readonly path: string,
    readonly header: SegmentHeader,
    readonly handle: FileHandle,
    /** Bytes written so far: where the next record goes. */
    public size: number,
    /** The file's length: `size`, or more where the log grows it ahead with zeros (preallocation). */
    public allocated: number = size,
  ) {}

  get firstIndex(): number {
    return this.header.firstIndex
  }

  /** Index of the last entry it holds; firstIndex - 1 when it holds none. */
  get lastIndex(): number {
    return this.header.firstIndex + this.offsets.length - 1
  }

  /** Creates (or empties) the segment file and writes its header; nothing is synced. */
  static create(files: FilePort, dir: string, header: SegmentHeader): Segment {
    const path = joinPath(dir, segmentName(header.firstIndex))
    const handle = files.open(path, { create: true })
    try {
      handle.truncate(0)
      handle.write(encodeSegmentHeader(header), 0)
    } catch (e) {
      handle.close()
      files.delete(path)
      throw e
    }
    return new Segment(path, header, handle, SEGMENT_HEADER_BYTES)
  }
}
