import { type Entry, entrySize } from './types.ts'

/** Longest prefix within `maxBytes`, but never empty: one oversized entry must still move. */
export function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length === 0) return ents
  let size = entrySize(ents[0])
  let n = 1
  for (; n < ents.length; n++) {
    size += entrySize(ents[n])
    if (size > maxBytes) break
  }
  return n === ents.length ? ents : ents.slice(0, n)
}
