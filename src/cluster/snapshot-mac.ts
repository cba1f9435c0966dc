/**
 * Authenticated snapshot frames under the cluster secret. A stream's request is signed
 * (`cluster-auth.ts`), but its body, streamed, is not covered by that signature; with a secret,
 * each frame also carries an HMAC-SHA-256 over the snapshot it belongs to (index and term), its
 * offset and its bytes, and the final frame one over the whole file's size and checksum. A frame
 * altered, moved, dropped or taken from another snapshot fails its check before it is written,
 * and the file is thrown away: nothing unauthenticated is ever installed. Web Crypto, so a
 * megabyte frame costs a native HMAC, not a JS one.
 */

export const FRAME_TAG_BYTES = 32

/** The key and the snapshot a stream carries; both ends build the same one. */
export interface FrameMac {
  key: CryptoKey
  /** The snapshot's identity, e.g. `index-term`: a frame from another snapshot does not verify. */
  snapshot: string
}

const keys = new Map<string, Promise<CryptoKey>>()

/** The HMAC key of a cluster secret (imported once per secret). */
export function frameMacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    keys.set(secret, key)
  }
  return key
}

/** The MAC of frame `body` at `offset`, or of the final frame (`body` null; `offset` is then the file's size). */
export async function frameTag(mac: FrameMac, offset: number, body: Uint8Array | null, crc: number): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', mac.key, signedData(mac, offset, body, crc)))
}

/** Whether `tag` is the MAC of that frame (Web Crypto compares in constant time). */
export function frameTagValid(mac: FrameMac, offset: number, body: Uint8Array | null, crc: number, tag: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify('HMAC', mac.key, tag.slice(), signedData(mac, offset, body, crc))
}

function signedData(mac: FrameMac, offset: number, body: Uint8Array | null, crc: number): Uint8Array<ArrayBuffer> {
  const label = new TextEncoder().encode(`raftlite-snapshot-frame-v1\n${mac.snapshot}\n${body ? 'frame' : 'end'}\n${offset}\n${crc >>> 0}\n`)
  const data = new Uint8Array(label.length + (body?.length ?? 0))
  data.set(label)
  if (body) data.set(body, label.length)
  return data
}
