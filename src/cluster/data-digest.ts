import { crc32c } from '../log/crc32c.ts'
import { Xxh32 } from '../log/xxh32.ts'

/**
 * What a snapshot's data is checked with: CRC-32C on every transfer and copy, and XXH32 (about
 * five times faster in V8) when a start reads the whole live file to prove it has not rotted.
 */
export interface DataDigest {
  crc32c: number
  xxh32: number
}

/** Both checksums over the same bytes, fed a chunk at a time. */
export class DataDigester {
  #crc = 0
  readonly #xxh = new Xxh32()

  update(chunk: Uint8Array): void {
    this.#crc = crc32c(chunk, this.#crc)
    this.#xxh.update(chunk)
  }

  digest(): DataDigest {
    return { crc32c: this.#crc >>> 0, xxh32: this.#xxh.digest() }
  }
}
