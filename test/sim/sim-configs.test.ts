import { expect, test } from 'vitest'
import { describeFailures, runSeeds } from './run-seeds.ts'

test('five voters, 150 seeds', () => {
  const s = runSeeds('five', 20_001, 150)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 120_000)

test('lease-based reads, 150 seeds', () => {
  const s = runSeeds('lease', 30_001, 150)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 120_000)

test('tight flow control (1 entry/msg, 1 in flight, small uncommitted budget), 150 seeds', () => {
  const s = runSeeds('tight', 40_001, 150)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 120_000)

test('check-quorum off, 100 seeds (control for the stale-read bug)', () => {
  const s = runSeeds('noCheckQuorum', 1, 100)
  expect(s.failures, describeFailures(s)).toEqual([])
}, 120_000)

test("a leader's appends and heartbeats sent before its own write is synced (the driver's order), 200 seeds", () => {
  const s = runSeeds('earlySend', 50_001, 120)
  expect(s.failures, describeFailures(s)).toEqual([])
  const nasty = runSeeds('earlySendNasty', 60_001, 80)
  expect(nasty.failures, describeFailures(nasty)).toEqual([])
}, 120_000)
