import { describe, expect, it } from 'vitest'
import { fromRawHeaders, headerReader } from '../../src/http/request-headers.ts'
import { serverIncoming } from '../../src/http/server-incoming.ts'

/** A seeded generator, so a failure names its case. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
}

const NAMES = ['Content-Type', 'content-type', 'CONTENT-TYPE', 'Authorization', 'authorization', 'Content-Length', 'X-Other', 'Accept']
const VALUES = ['application/json', ' text/plain ', '\tBasic YTpi', 'Basic YTpi\t ', '12', '', ' ', 'a, b', 'q=1;x="y"']

describe('reading a header from the raw list', () => {
  it('answers what Headers.get answers for the same list: case, duplicates, whitespace, absence', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rand = random(seed)
      const raw: string[] = []
      const count = Math.floor(rand() * 8)
      for (let i = 0; i < count; i++) raw.push(NAMES[Math.floor(rand() * NAMES.length)], VALUES[Math.floor(rand() * VALUES.length)])
      const pairs: [string, string][] = []
      for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]])
      const headers = new Headers(pairs)
      for (const name of ['content-type', 'authorization', 'content-length', 'x-missing']) {
        expect(fromRawHeaders(raw, name), `seed ${seed}, ${name} in ${JSON.stringify(raw)}`).toBe(headers.get(name))
      }
    }
  })

  it('reads the raw list of the message the request was built for, else the Request', () => {
    const incoming = { rawHeaders: ['content-type', 'application/json'] }
    // A raw list that disagrees with the Request shows which one was read.
    const own = new Request('http://x/db/execute', { method: 'POST', headers: { 'Content-Type': 'text/plain' } })
    Object.defineProperty(own, Symbol('incoming'), { value: incoming })
    expect(headerReader(own, serverIncoming(own, { incoming }))('content-type')).toBe('application/json')
    // A request that does not hold the message (a middleware's replacement) is read as itself.
    const replaced = new Request('http://x/db/execute', { method: 'POST', headers: { 'Content-Type': 'text/plain' } })
    expect(headerReader(replaced, serverIncoming(replaced, { incoming }))('content-type')).toBe('text/plain')
    expect(headerReader(own, serverIncoming(own, undefined))('content-type')).toBe('text/plain')
    expect(headerReader(own, serverIncoming(own, { incoming: {} }))('content-type')).toBe('text/plain')
  })
})
