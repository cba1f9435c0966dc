/** Injected randomness: the core never calls Math.random, so a seed replays a run exactly. */
export interface RandomSource {
  /** Uniform integer in [0, n). */
  nextInt(n: number): number
}

/**
 * A small, fast seeded generator (sfc32, seeded through splitmix32).
 * Good enough for election jitter and simulation; not for cryptography.
 */
export function createSeededRandom(seed: number): RandomSource & { nextFloat(): number } {
  let s = seed >>> 0
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  return {
    nextFloat: next,
    nextInt: (n: number) => Math.floor(next() * n),
  }
}
