// The flag parser takes any argv: it answers ok, help, version or an error with a message,
// and never throws.
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { RQLITED_FLAGS, parseRqlitedArgs } from '../../src/cli/rqlited-flags.ts'
import { fuzzRuns, fuzzSeed, fuzzTimeout, report } from './fuzz-runs.ts'

const names = RQLITED_FLAGS.map((f) => f.name)
const flag = fc.oneof(
  fc.constantFrom(...names).map((n) => `-${n}`),
  fc.constantFrom(...names).map((n) => `--${n}`),
  fc.tuple(fc.constantFrom(...names), fc.string({ maxLength: 12 })).map(([n, v]) => `-${n}=${v}`),
)
const value = fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom('1s', '0', '-1', '999999999999999999999', 'true', 'false', '127.0.0.1:0', ':4001', 'http://x', '', '1h2m', 'NaN'))
const argv = fc.array(fc.oneof(flag, value, fc.constant('-'), fc.constant('--')), { maxLength: 12 })

test('any argv gets an answer, never an exception', () => {
  const runs = fuzzRuns(3000)
  fc.assert(
    fc.property(argv, (args) => {
      const r = parseRqlitedArgs(args, { name: 'raftlited' })
      expect(['ok', 'help', 'version', 'error']).toContain(r.kind)
      if (r.kind === 'error') {
        expect(r.message.length).toBeGreaterThan(0)
        expect([1, 2]).toContain(r.exitCode)
      }
      if (r.kind === 'ok') expect(typeof r.dataDir).toBe('string')
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  report('flag parser', runs)
}, fuzzTimeout())
