/**
 * A small deterministic PRNG (sfc32) used to feed SQLite's randomness while a write batch is
 * applied: the same seed yields the same bytes on every node and every runtime.
 */
export class SeededRandom {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(seed: bigint) {
    const s = BigInt.asUintN(64, seed)
    this.#a = Number(s & 0xffffffffn) | 0
    this.#b = Number(s >> 32n) | 0
    this.#c = 0x9e3779b9 | 0
    this.#d = 1
    for (let i = 0; i < 15; i++) this.nextUint32() // mix the seed in
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  fill(target: Uint8Array): void {
    for (let i = 0; i < target.length; i += 4) {
      const v = this.nextUint32()
      for (let j = 0; j < 4 && i + j < target.length; j++) target[i + j] = (v >>> (8 * j)) & 0xff
    }
  }
}

/** Derives the seed of one statement in a batch, so each statement's randomness is independent. */
export function statementSeed(batchSeed: bigint, statementIndex: number): bigint {
  // 64-bit mix (splitmix64 finaliser) of seed and index.
  let z = BigInt.asUintN(64, batchSeed + BigInt(statementIndex + 1) * 0x9e3779b97f4a7c15n)
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n)
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn)
  return z ^ (z >> 31n)
}
