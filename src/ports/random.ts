/** A source of randomness, injected so tests can make it deterministic. */
export interface RandomSource {
  fill(target: Uint8Array): void
}

const POOL_BYTES = 4096
let pool = new Uint8Array(0)
let poolAt = 0

export const cryptoRandom: RandomSource = {
  fill(target) {
    // Small requests (a write's 8-byte seed) come from a pool filled 4 KiB at a time: one
    // getRandomValues call costs about as much as 4 KiB of its output. Each byte serves once.
    if (target.length <= 64) {
      if (poolAt + target.length > pool.length) {
        pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES))
        poolAt = 0
      }
      target.set(pool.subarray(poolAt, poolAt + target.length))
      pool.fill(0, poolAt, poolAt + target.length)
      poolAt += target.length
      return
    }
    // getRandomValues accepts at most 65536 bytes per call.
    for (let offset = 0; offset < target.length; offset += 65536) {
      crypto.getRandomValues(target.subarray(offset, Math.min(target.length, offset + 65536)) as Uint8Array<ArrayBuffer>)
    }
  },
}

/** A random unsigned 64-bit integer. */
export function randomUint64(source: RandomSource): bigint {
  const bytes = new Uint8Array(8)
  source.fill(bytes)
  return new DataView(bytes.buffer).getBigUint64(0)
}
