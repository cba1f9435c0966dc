/**
 * Little-endian unsigned 64-bit fields holding plain numbers. Indexes and terms stay below 2^53,
 * so two 32-bit halves avoid BigInt on the hot path.
 */
const TWO_32 = 2 ** 32
/** Largest high half that keeps the value a safe integer. */
const MAX_HIGH = 0x1fffff

export function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0, true)
  view.setUint32(at + 4, Math.floor(value / TWO_32), true)
}

/** Returns -1 when the stored value is not a safe integer (only damaged bytes produce one). */
export function getU64(view: DataView, at: number): number {
  const high = view.getUint32(at + 4, true)
  if (high > MAX_HIGH) return -1
  return high * TWO_32 + view.getUint32(at, true)
}
