// The cluster secret's signatures: what they cover, clock skew, replays, malformed tokens.
import { expect, test } from 'vitest'
import { ClusterAuth, MAX_CLOCK_SKEW_MS, requestToken, signedWebSocketUrl } from '../../src/cluster/cluster-auth.ts'
import { cryptoRandom } from '../../src/ports/random.ts'

const SECRET = 'sixteen bytes at least'
const clock = { t: 1_800_000_000_000, now() { return this.t } }
const parts = { method: 'POST', target: '/cluster/rpc', sender: '1@a:1', snapshot: null, content: 'ab' }

test('a token verifies once, for exactly what it signed', () => {
  const a = new ClusterAuth(SECRET, clock, cryptoRandom)
  const b = new ClusterAuth(SECRET, clock, cryptoRandom)
  const token = a.sign(parts)
  for (const changed of [{ method: 'GET' }, { target: '/cluster/rpc?x' }, { sender: '2@a:1' }, { snapshot: 'x' }, { content: 'ac' }]) {
    expect(b.verify({ ...parts, ...changed }, token), JSON.stringify(changed)).toBe('bad signature (a different cluster secret?)')
  }
  expect(b.verify(parts, token)).toBeUndefined()
  expect(b.verify(parts, token)).toBe('replayed request')
  expect(new ClusterAuth('another secret, long enough', clock, cryptoRandom).verify(parts, a.sign(parts))).toMatch(/bad signature/)
})

test('timestamps beyond the allowed skew are refused, both ways', () => {
  const a = new ClusterAuth(SECRET, clock, cryptoRandom)
  const token = a.sign(parts)
  const late = { now: () => clock.t + MAX_CLOCK_SKEW_MS + 1000 }
  expect(new ClusterAuth(SECRET, late, cryptoRandom).verify(parts, token)).toMatch(/request timestamp is -121 s off this node's clock/)
  const early = { now: () => clock.t - MAX_CLOCK_SKEW_MS - 1000 }
  expect(new ClusterAuth(SECRET, early, cryptoRandom).verify(parts, token)).toMatch(/121 s off/)
})

test('missing and malformed tokens; short secrets', () => {
  const a = new ClusterAuth(SECRET, clock, cryptoRandom)
  expect(a.verify(parts, undefined)).toMatch(/no cluster credentials/)
  for (const bad of ['x', '1.2.3', `${clock.t}.${'0'.repeat(32)}.${'A'.repeat(44)}`, `-1.${'0'.repeat(32)}.${'A'.repeat(43)}`]) expect(a.verify(parts, bad)).toBe('malformed cluster credentials')
  expect(() => new ClusterAuth('short', clock, cryptoRandom)).toThrow('the cluster secret must be at least 16 bytes long (it is 5)')
})

test('a WebSocket URL carries its token as the last parameter, and the server finds what it signed', () => {
  const a = new ClusterAuth(SECRET, clock, cryptoRandom)
  const url = signedWebSocketUrl(a, 'ws://127.0.0.1:9/raft/stream?from=1%40127.0.0.1%3A9')
  const received = new URL(url.replace('ws:', 'http:'))
  const { token, parts: signed } = requestToken('GET', received, undefined)
  expect(signed.target).toBe('/raft/stream?from=1%40127.0.0.1%3A9')
  expect(new ClusterAuth(SECRET, clock, cryptoRandom).verify(signed, token)).toBeUndefined()
})

test('bodies: a signed digest must match the bytes; no digest means no body', async () => {
  const a = new ClusterAuth(SECRET, clock, cryptoRandom)
  const body = new TextEncoder().encode('abc')
  expect(await a.bodyMatches('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', body)).toBe(true)
  expect(await a.bodyMatches('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae', body)).toBe(false)
  expect(await a.bodyMatches(undefined, body)).toBe(false)
  expect(await a.bodyMatches(undefined, new Uint8Array())).toBe(true)
  expect(await a.bodyMatches('stream', body)).toBe(false)
})
