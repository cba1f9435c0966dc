/**
 * Sound reductions of a register history before the search (docs/chaos.md, "Deciding long
 * histories"). Both keep the verdict exactly: a history is linearizable iff its reduction is.
 *
 * Indeterminate writes are what make a long history undecidable: each may take effect at any
 * time after its invocation, so it stays open to the end, every later state exists with and
 * without it, and no point of the history is ever quiescent. With unique written values:
 * - an indeterminate write whose value no read returned is dropped: it may always be left out
 *   (if it took effect, nothing observed it, so removing it from an order changes no read);
 * - an indeterminate write whose value a read returned certainly took effect, before that read:
 *   it becomes required, completing at the earliest completion of the reads that returned it.
 * A value written more than once is left alone (the reductions rely on a value naming its write).
 */
import type { RegisterEvent } from './register-search.ts'

export function pruneIndeterminate(events: RegisterEvent[]): RegisterEvent[] {
  const writes = new Map<number | null, number>()
  for (const e of events) if (e.f === 'write') writes.set(e.value, (writes.get(e.value) ?? 0) + 1)
  const firstReadEnd = new Map<number | null, number>()
  for (const e of events) {
    if (e.f !== 'read' || !e.required) continue
    firstReadEnd.set(e.value, Math.min(firstReadEnd.get(e.value) ?? Infinity, e.end))
  }
  const out: RegisterEvent[] = []
  for (const e of events) {
    if (e.f !== 'write' || e.required || writes.get(e.value) !== 1) {
      out.push(e)
      continue
    }
    const seenBy = firstReadEnd.get(e.value)
    // A read that completed before the write was invoked leaves end < start: the search then
    // cannot place the write, and the history is (rightly) not linearizable.
    if (seenBy !== undefined) out.push({ ...e, end: seenBy, required: true })
  }
  return out
}

/**
 * Cuts a history (sorted by start) where nothing is in flight: every op before the cut
 * completed before every op after it was invoked, so any legal order places the whole of one
 * stretch before the next. An op that may be left out (not required) counts as never
 * completing. Ties stay together: the search lets ops with start === end go either way.
 */
export function splitAtQuiescence(sorted: RegisterEvent[]): RegisterEvent[][] {
  const stretches: RegisterEvent[][] = []
  let current: RegisterEvent[] = []
  let reach = -Infinity
  for (const e of sorted) {
    if (current.length > 0 && e.start > reach) {
      stretches.push(current)
      current = []
    }
    current.push(e)
    reach = Math.max(reach, e.required ? Math.max(e.end, e.start) : Infinity)
  }
  if (current.length > 0) stretches.push(current)
  return stretches
}
