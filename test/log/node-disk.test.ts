// The durable log on a real file system through NodeFilePort.
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { NodeFilePort } from '../../runtimes/node/fs-file-port.ts'
import { DurableLog } from '../../src/log/durable-log.ts'
import { LogCorruptionError } from '../../src/log/log-corruption-error.ts'
import { entries } from './helpers.ts'

let root = ''
let dir = ''
const files = new NodeFilePort()
const options = { segmentBytes: 16 * 1024 }

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'raftlite-log-'))
  dir = join(root, 'log')
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

test('round trip with rollover, conflict, compaction and a reopen on disk', () => {
  const log = DurableLog.open(files, dir, options)
  for (let i = 1; i <= 500; i += 50) log.append(entries(i, i + 49, 1))
  log.append(entries(480, 520, 2))
  log.setHardState({ term: 2, vote: 'b', commit: 450 })
  log.createSnapshot(400, { voters: ['a', 'b'], learners: [] })
  log.compact(300)
  log.sync()
  log.close()
  const names = readdirSync(dir).filter((n) => n.endsWith('.seg'))
  expect(names.length).toBeGreaterThan(1)
  expect(Number(names[0].slice(0, 20))).toBeLessThanOrEqual(301)

  const again = DurableLog.open(files, dir, options)
  expect(again.firstIndex()).toBe(301)
  expect(again.lastIndex()).toBe(520)
  expect(again.hardState()).toEqual({ term: 2, vote: 'b', commit: 450 })
  expect(again.entries(301, 521, Infinity)).toEqual([...entries(301, 479, 1), ...entries(480, 520, 2)])
  again.close()
})

test('a torn tail on disk is cut; a damaged state file is refused', () => {
  const log = DurableLog.open(files, dir, options)
  log.append(entries(1, 20, 1))
  log.sync()
  log.close()
  const last = join(dir, readdirSync(dir).filter((n) => n.endsWith('.seg')).at(-1)!)
  truncateSync(last, statSync(last).size - 7)
  const notes: string[] = []
  const again = DurableLog.open(files, dir, { ...options, logger: (m) => notes.push(m) })
  expect(again.lastIndex()).toBe(19)
  expect(notes.join('\n')).toMatch(/torn tail/)
  again.close()
  truncateSync(join(dir, 'state'), 10)
  expect(() => DurableLog.open(files, dir, options)).toThrow(LogCorruptionError)
})

test('on disk the active segment grows 256 KiB ahead, and a clean close cuts it back', () => {
  expect(files.preallocateBytes).toBe(256 * 1024)
  const log = DurableLog.open(files, dir, {})
  log.append(entries(1, 20, 1))
  log.sync()
  const active = join(dir, readdirSync(dir).filter((n) => n.endsWith('.seg')).at(-1)!)
  expect(statSync(active).size).toBeGreaterThanOrEqual(256 * 1024)
  log.close()
  expect(statSync(active).size).toBeLessThan(20 * 200)
  const notes: string[] = []
  const again = DurableLog.open(files, dir, { logger: (m) => notes.push(m) })
  expect(notes).toEqual([])
  expect(again.entries(1, 21, Infinity)).toEqual(entries(1, 20, 1))
  again.close()
})
