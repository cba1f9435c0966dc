import bcrypt from 'bcryptjs'
import { describe, expect, test } from 'vitest'
import { constantTimeEqual, hashPassword, passwordScheme, verifyPassword } from '../../src/auth/password.ts'

describe('verifyPassword', () => {
  test('plaintext, as rqlite stores it', async () => {
    expect(await verifyPassword('secret1', 'secret1')).toBe(true)
    expect(await verifyPassword('secret1', 'secret2')).toBe(false)
    expect(await verifyPassword('secret1', 'secret')).toBe(false)
    expect(await verifyPassword('', '')).toBe(true)
  })

  test('bcrypt hashes ($2a$, $2b$, $2y$)', async () => {
    const hash = bcrypt.hashSync('s3cret', 4)
    expect(passwordScheme(hash)).toBe('bcrypt')
    expect(await verifyPassword(hash, 's3cret')).toBe(true)
    expect(await verifyPassword(hash, 's3cre')).toBe(false)
    expect(await verifyPassword(hash.replace('$2b$', '$2y$'), 's3cret')).toBe(true)
    // A damaged hash matches nothing, not even its own text.
    const damaged = hash.slice(0, 20)
    expect(await verifyPassword(damaged, 's3cret')).toBe(false)
    expect(await verifyPassword(damaged, damaged)).toBe(false)
  })

  test('PBKDF2 hashes made by hashPassword', async () => {
    const hash = await hashPassword('correct horse', 1000)
    expect(hash).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
    expect(await verifyPassword(hash, 'correct horse')).toBe(true)
    expect(await verifyPassword(hash, 'correct horsf')).toBe(false)
    // Salted: the same password hashes differently each time.
    expect(await hashPassword('correct horse', 1000)).not.toBe(hash)
  })

  test('malformed PBKDF2 hashes match nothing', async () => {
    for (const bad of ['pbkdf2-sha256$', 'pbkdf2-sha256$0$AAAA$AAAAAAAAAAAAAAAAAAAAAA==', 'pbkdf2-sha256$10$!!$AAAA', 'pbkdf2-sha256$99999999999$AA$AA', 'pbkdf2-sha256$10$AAAA$AAAA']) {
      expect(await verifyPassword(bad, bad), bad).toBe(false)
      expect(await verifyPassword(bad, ''), bad).toBe(false)
    }
  })

  test('hashPassword refuses absurd iteration counts', async () => {
    await expect(hashPassword('x', 0)).rejects.toThrow(/iterations/)
    await expect(hashPassword('x', 1e9)).rejects.toThrow(/iterations/)
  })
})

test('constantTimeEqual compares whole byte strings', () => {
  const a = new Uint8Array([1, 2, 3])
  expect(constantTimeEqual(a, new Uint8Array([1, 2, 3]))).toBe(true)
  expect(constantTimeEqual(a, new Uint8Array([1, 2, 4]))).toBe(false)
  expect(constantTimeEqual(a, new Uint8Array([1, 2]))).toBe(false)
  expect(constantTimeEqual(a, new Uint8Array([1, 2, 3, 0]))).toBe(false)
  expect(constantTimeEqual(new Uint8Array(), new Uint8Array())).toBe(true)
})
