import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { tempDataDir } from '../support/raftlited-process.ts'
import { flipByte } from './flip-byte.ts'

test('bit rot inverts one byte and keeps the mtime to the nanosecond (the node fingerprints its database by it)', async () => {
  const dir = tempDataDir('raftlite-rot-')
  const file = join(dir, 'db.sqlite')
  writeFileSync(file, Buffer.alloc(1000, 0x11))
  const before = statSync(file, { bigint: true })
  const beforeMs = statSync(file).mtimeMs
  await new Promise((r) => setTimeout(r, 20))
  expect(flipByte(dir, 'db', 0.5)).toBe('flipped byte 500 of 1000 in db.sqlite')
  const bytes = readFileSync(file)
  expect(bytes[500]).toBe(0xee)
  expect(bytes.filter((b) => b !== 0x11).length).toBe(1)
  expect(statSync(file, { bigint: true }).mtimeNs).toBe(before.mtimeNs)
  expect(statSync(file).mtimeMs).toBe(beforeMs)

  mkdirSync(join(dir, 'raft'))
  writeFileSync(join(dir, 'raft', '00000000000000000001.seg'), 'a')
  writeFileSync(join(dir, 'raft', '00000000000000000002.seg'), 'b')
  expect(flipByte(dir, 'log', 0)).toBe('flipped byte 0 of 1 in raft/00000000000000000002.seg')
  expect(flipByte(dir, 'snapshot', 0)).toBe('no snapshot file to corrupt')
})
