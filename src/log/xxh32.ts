/**
 * XXH32 (xxHash, 32-bit, seed 0), streamed. A start reads the whole live database to prove it has
 * not rotted; CRC-32C in V8 reads about 1 GB/s, XXH32's four independent lanes about 5 GB/s, so a
 * 1 GiB file is checked in a fifth of the time. It detects random damage as well as a 32-bit CRC
 * does, though not every burst error with certainty: CRC-32C stays where frames are checked.
 */
const P1 = 0x9e3779b1 | 0
const P2 = 0x85ebca77 | 0
const P3 = 0xc2b2ae3d | 0
const P4 = 0x27d4eb2f | 0
const P5 = 0x165667b1 | 0

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r))
const readU32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0

export class Xxh32 {
  #v1 = (P1 + P2) | 0
  #v2 = P2
  #v3 = 0
  #v4 = -P1 | 0
  #total = 0
  /** Bytes short of a 16-byte stripe, kept for the next update. */
  readonly #tail = new Uint8Array(16)
  #tailLength = 0

  update(data: Uint8Array): this {
    this.#total += data.length
    let i = 0
    if (this.#tailLength > 0) {
      const take = Math.min(16 - this.#tailLength, data.length)
      this.#tail.set(data.subarray(0, take), this.#tailLength)
      this.#tailLength += take
      i = take
      if (this.#tailLength < 16) return this
      this.#stripes(this.#tail, 0, 16)
      this.#tailLength = 0
    }
    const end = i + ((data.length - i) & ~15)
    this.#stripes(data, i, end)
    this.#tail.set(data.subarray(end))
    this.#tailLength = data.length - end
    return this
  }

  /** The hash of everything given so far, as an unsigned 32-bit number. */
  digest(): number {
    let h = this.#total >= 16
      ? (rotl(this.#v1, 1) + rotl(this.#v2, 7) + rotl(this.#v3, 12) + rotl(this.#v4, 18)) | 0
      : P5
    h = (h + this.#total) | 0 // the length modulo 2^32, as the reference does
    let i = 0
    for (; i + 4 <= this.#tailLength; i += 4) h = Math.imul(rotl((h + Math.imul(readU32(this.#tail, i), P3)) | 0, 17), P4)
    for (; i < this.#tailLength; i++) h = Math.imul(rotl((h + Math.imul(this.#tail[i], P5)) | 0, 11), P1)
    h = Math.imul(h ^ (h >>> 15), P2)
    h = Math.imul(h ^ (h >>> 13), P3)
    return (h ^ (h >>> 16)) >>> 0
  }

  /** Folds `data[start, end)`, a whole number of stripes, into the four lanes. */
  #stripes(data: Uint8Array, start: number, end: number): void {
    let v1 = this.#v1, v2 = this.#v2, v3 = this.#v3, v4 = this.#v4
    if (LITTLE_ENDIAN && (data.byteOffset + start) % 4 === 0) {
      // Aligned: read whole words (the hot path, every chunk of a file read). Signed words stay
      // small integers in V8 (unsigned ones above 2^31 become doubles): 2.4x faster, same bits.
      const words = new Int32Array(data.buffer, data.byteOffset + start, (end - start) >>> 2)
      for (let w = 0; w < words.length; w += 4) {
        v1 = Math.imul(rotl((v1 + Math.imul(words[w], P2)) | 0, 13), P1)
        v2 = Math.imul(rotl((v2 + Math.imul(words[w + 1], P2)) | 0, 13), P1)
        v3 = Math.imul(rotl((v3 + Math.imul(words[w + 2], P2)) | 0, 13), P1)
        v4 = Math.imul(rotl((v4 + Math.imul(words[w + 3], P2)) | 0, 13), P1)
      }
    } else {
      for (let i = start; i < end; i += 16) {
        v1 = Math.imul(rotl((v1 + Math.imul(readU32(data, i), P2)) | 0, 13), P1)
        v2 = Math.imul(rotl((v2 + Math.imul(readU32(data, i + 4), P2)) | 0, 13), P1)
        v3 = Math.imul(rotl((v3 + Math.imul(readU32(data, i + 8), P2)) | 0, 13), P1)
        v4 = Math.imul(rotl((v4 + Math.imul(readU32(data, i + 12), P2)) | 0, 13), P1)
      }
    }
    this.#v1 = v1
    this.#v2 = v2
    this.#v3 = v3
    this.#v4 = v4
  }
}

/** XXH32 of `data` in one call. */
export function xxh32(data: Uint8Array): number {
  return new Xxh32().update(data).digest()
}
