// The in-memory disk's directory syncs (strict mode): an asynchronous one is durable as of its
// call, and never undoes a sync of the same directory called after it and done first.
import { expect, test } from 'vitest'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

function put(files: MemoryFilePort, path: string): void {
  const h = files.open(path, { create: true })
  h.write(new Uint8Array([1]), 0)
  h.sync()
  h.close()
}

test('an asynchronous directory sync is durable once it resolves, as of its call', async () => {
  const files = new MemoryFilePort({ strictSeed: 1 })
  files.mkdirp('/d')
  put(files, '/d/a')
  const syncing = files.syncDirectoryAsync('/d')
  put(files, '/d/b') // after the call: not covered
  await syncing
  files.crash()
  expect(files.list('/d')).toEqual(['a'])
})

test('a crash before it resolves loses what it would have made durable', async () => {
  const files = new MemoryFilePort({ strictSeed: 1 })
  files.mkdirp('/d')
  put(files, '/d/a')
  const syncing = files.syncDirectoryAsync('/d')
  files.crash()
  await expect(syncing).rejects.toThrow(/crashed/)
  expect(files.list('/d')).toEqual([])
})

test('a later sync of the same directory, done first, stands', async () => {
  const files = new MemoryFilePort({ strictSeed: 1 })
  files.mkdirp('/d')
  put(files, '/d/old')
  files.syncDirectory('/d')
  const pending = files.syncDirectoryAsync('/d') // sees {old}
  put(files, '/d/new')
  files.delete('/d/old')
  files.syncDirectory('/d') // sees {new}, and is done first
  await pending
  files.crash()
  expect(files.list('/d')).toEqual(['new'])
})
