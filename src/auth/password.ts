/**
 * Checking a password against what a users file stores: plaintext (rqlite's format), a bcrypt
 * hash (`$2a$`/`$2b$`/`$2y$`, bcryptjs), or PBKDF2 through Web Crypto
 * (`pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>`, made by `hashPassword`).
 * Every comparison takes the same time whatever the bytes, so timing leaks nothing of a
 * password; plaintext is compared as SHA-256 digests, so not even its length leaks.
 */
import bcrypt from 'bcryptjs'

const PBKDF2_PREFIX = 'pbkdf2-sha256$'
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000
const MAX_PBKDF2_ITERATIONS = 10_000_000

export type PasswordScheme = 'plaintext' | 'bcrypt' | 'pbkdf2'

export function passwordScheme(stored: string): PasswordScheme {
  if (/^\$2[aby]\$\d\d\$/.test(stored)) return 'bcrypt'
  if (stored.startsWith(PBKDF2_PREFIX)) return 'pbkdf2'
  return 'plaintext'
}

/** Whether `given` is the password `stored` describes. A malformed hash matches nothing. */
export async function verifyPassword(stored: string, given: string): Promise<boolean> {
  switch (passwordScheme(stored)) {
    case 'bcrypt':
      try {
        return await bcrypt.compare(given, stored)
      } catch {
        return false
      }
    case 'pbkdf2': {
      const parsed = parsePbkdf2(stored)
      if (!parsed) return false
      const derived = await pbkdf2(given, parsed.salt, parsed.iterations, parsed.hash.byteLength)
      return constantTimeEqual(derived, parsed.hash)
    }
    case 'plaintext':
      return constantTimeEqual(await sha256(given), await sha256(stored))
  }
}

/** A PBKDF2 hash of `password` in the users file's format, with a random salt. */
export async function hashPassword(password: string, iterations = DEFAULT_PBKDF2_ITERATIONS): Promise<string> {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be an integer from 1 to ${MAX_PBKDF2_ITERATIONS}`)
  }
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const hash = await pbkdf2(password, salt, iterations, 32)
  return `${PBKDF2_PREFIX}${iterations}$${toBase64(salt)}$${toBase64(hash)}`
}

/** Compares two byte strings in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.byteLength ^ b.byteLength
  const n = Math.max(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

export async function sha256(text: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}

function parsePbkdf2(stored: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } | null {
  const parts = stored.slice(PBKDF2_PREFIX.length).split('$')
  if (parts.length !== 3 || !/^\d{1,8}$/.test(parts[0])) return null
  const iterations = Number(parts[0])
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return null
  try {
    const salt = fromBase64(parts[1])
    const hash = fromBase64(parts[2])
    return hash.byteLength >= 16 && hash.byteLength <= 64 ? { iterations, salt, hash } : null
  } catch {
    return null
  }
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations }, key, bytes * 8)
  return new Uint8Array(bits)
}

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text)
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}
