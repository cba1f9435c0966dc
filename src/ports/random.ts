/** A source of randomness, injected so tests can make it deterministic. */
export interface RandomSource {
  fill(target: Uint8Array): void
}

export const cryptoRandom: RandomSource = {
  fill(target) {
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
