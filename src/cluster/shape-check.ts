/**
 * Checks for values decoded from the network (CBOR from other nodes): what arrives is untrusted
 * until its shape is known, members included.
 */
export class ShapeError extends Error {
  constructor(detail: string) {
    super(detail)
    this.name = 'ShapeError'
  }
}

export type Fields = Record<string, unknown>

export function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

export function object(v: unknown, what: string): Fields {
  if (!isObject(v)) throw new ShapeError(`${what} is not an object`)
  return v
}

/** A non-negative integer that a JS number holds exactly (indexes, terms, counters). */
export function count(o: Fields, key: string, what: string): number {
  const v = o[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ShapeError(`${what}.${key} is not a non-negative integer`)
  return v
}

export function text(o: Fields, key: string, what: string): string {
  const v = o[key]
  if (typeof v !== 'string') throw new ShapeError(`${what}.${key} is not a string`)
  return v
}

export function flag(o: Fields, key: string, what: string): boolean {
  const v = o[key]
  if (typeof v !== 'boolean') throw new ShapeError(`${what}.${key} is not a boolean`)
  return v
}

export function bytes(o: Fields, key: string, what: string): Uint8Array {
  const v = o[key]
  if (!(v instanceof Uint8Array)) throw new ShapeError(`${what}.${key} is not a byte string`)
  return v
}

export function list(o: Fields, key: string, what: string): unknown[] {
  const v = o[key]
  if (!Array.isArray(v)) throw new ShapeError(`${what}.${key} is not a list`)
  return v
}

export function texts(o: Fields, key: string, what: string): string[] {
  const v = list(o, key, what)
  if (!v.every((x) => typeof x === 'string')) throw new ShapeError(`${what}.${key} is not a list of strings`)
  return v as string[]
}
