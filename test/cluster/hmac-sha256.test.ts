// The synchronous HMAC-SHA-256 agrees with Web Crypto's on any key and message.
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { hmacSha256, sha256Sync } from '../../src/cluster/hmac-sha256.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

test('FIPS 180-4 test vectors', () => {
  expect(hex(sha256Sync(new Uint8Array()))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  expect(hex(sha256Sync(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})

test('matches Web Crypto for random keys and messages (incl. block boundaries)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 150 }), fc.uint8Array({ maxLength: 300 }), async (key, message) => {
      const k = await crypto.subtle.importKey('raw', key.byteLength ? key : new Uint8Array(1), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      const expected = new Uint8Array(await crypto.subtle.sign('HMAC', k, message))
      expect(hex(hmacSha256(key.byteLength ? key : new Uint8Array(1), message))).toBe(hex(expected))
      expect(hex(sha256Sync(message))).toBe(hex(new Uint8Array(await crypto.subtle.digest('SHA-256', message))))
    }),
    { numRuns: 300 },
  )
})
