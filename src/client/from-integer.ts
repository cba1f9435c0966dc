import type { IntMode, Value } from './types.ts'

/** A 64-bit integer as the client's `intMode` asks; `number` refuses to lose precision. */
export function fromInteger(v: bigint, intMode: IntMode): Value {
  switch (intMode) {
    case 'bigint':
      return v
    case 'string':
      return String(v)
    case 'number':
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new RangeError(`integer ${v} cannot be represented as a number without loss; use intMode 'bigint' or 'string'`)
      }
      return Number(v)
  }
}
