// The users file parser takes any text: users, or a UsersFileError that says what is wrong.
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { PERMISSIONS } from '../../src/auth/permissions.ts'
import { UsersFileError, parseUsersFile } from '../../src/auth/users.ts'
import { fuzzRuns, fuzzSeed, fuzzTimeout, report } from './fuzz-runs.ts'

const entry = fc.record(
  {
    username: fc.oneof(fc.string({ maxLength: 6 }), fc.constant('*'), fc.integer()),
    password: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)),
    perms: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...PERMISSIONS), fc.string({ maxLength: 6 })), { maxLength: 4 }), fc.string()),
  },
  { requiredKeys: [] },
)
const text = fc.oneof(fc.string(), fc.json(), fc.array(fc.oneof(entry, fc.anything()), { maxLength: 5 }).map((v) => JSON.stringify(v)))

test('any text gives users or a UsersFileError', () => {
  const runs = fuzzRuns(3000)
  fc.assert(
    fc.property(text, (t) => {
      try {
        for (const u of parseUsersFile(t)) {
          expect(typeof u.username).toBe('string')
          for (const p of u.perms) expect(PERMISSIONS).toContain(p)
        }
      } catch (e) {
        expect(e).toBeInstanceOf(UsersFileError)
        expect((e as Error).message.length).toBeGreaterThan(0)
      }
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  report('users file', runs)
}, fuzzTimeout())
