/**
 * Fetches the undelivered changes a node lacks after installing a snapshot (see
 * `ChangeQueue.skipTo`) from a peer that has them: `GET /db/changes?since=&until=&raw`, which ends
 * after `until` and answers only when the peer holds all of the range. Peers are untrusted: every
 * group is checked for shape and range before it is queued.
 */
import type { ChangeGroup } from './change-events.ts'

export class GapFetchError extends Error {
  constructor(readonly peer: string, detail: string) {
    super(`${peer}: ${detail}`)
    this.name = 'GapFetchError'
  }
}

/** The groups in (from, to] as `peer` (an API base URL) keeps them. */
export async function fetchChanges(fetcher: typeof fetch, peer: string, from: number, to: number, timeoutMs: number, maxBytes: number): Promise<ChangeGroup[]> {
  const res = await fetcher(`${peer}/db/changes?since=${from}&until=${to}&raw`, { signal: AbortSignal.timeout(timeoutMs) })
  if (res.status !== 200) {
    const text = (await res.text()).trim()
    throw new GapFetchError(peer, `answered ${res.status}${text ? ` (${text.slice(0, 200)})` : ''}`)
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  let read = 0
  const groups: ChangeGroup[] = []
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    read += value.length
    if (read > maxBytes) {
      await reader.cancel()
      throw new GapFetchError(peer, `sent more than ${maxBytes} bytes`)
    }
    buffer += value
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer.slice(0, end).split('\n').find((l) => l.startsWith('data: '))
      buffer = buffer.slice(end + 2)
      if (data) groups.push(checkGroup(peer, data.slice(6), from, to))
    }
  }
  return groups
}

function checkGroup(peer: string, text: string, from: number, to: number): ChangeGroup {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new GapFetchError(peer, 'sent a group that is not JSON')
  }
  const bad = () => new GapFetchError(peer, 'sent a malformed group')
  if (!Array.isArray(raw) || raw.length !== 3) throw bad()
  const [index, timestampMs, events] = raw as unknown[]
  if (!Number.isSafeInteger(index) || (index as number) <= from || (index as number) > to) throw new GapFetchError(peer, `sent index ${String(index)} outside (${from}, ${to}]`)
  if (!Number.isSafeInteger(timestampMs) || !Array.isArray(events) || events.length === 0) throw bad()
  const checked = events.map((e: unknown) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') throw bad()
    try {
      JSON.parse(e[1]) // spliced verbatim into envelopes: must be valid JSON
    } catch {
      throw bad()
    }
    if (!e[1].startsWith('{')) throw bad()
    return { table: e[0], json: e[1] }
  })
  return { index: index as number, timestampMs: timestampMs as number, events: checked }
}
