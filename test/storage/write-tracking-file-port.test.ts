import { expect, test } from 'vitest'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import { WriteTrackingFilePort } from '../../src/storage/write-tracking-file-port.ts'

test('writes to the tracked file come back merged and sorted, once', () => {
  const files = new WriteTrackingFilePort(new MemoryFilePort(), '/db')
  const h = files.open('/db', { create: true })
  h.write(new Uint8Array(4096), 8192) // page 3
  h.write(new Uint8Array(4096), 0) // page 1
  h.write(new Uint8Array(4096), 4096) // page 2: joins 1 and 3 into one run
  h.write(new Uint8Array(100), 0) // a shorter rewrite inside page 1
  h.write(new Uint8Array(4096), 40960) // page 11
  h.close()
  files.open('/other', { create: true }).write(new Uint8Array(10), 0)
  files.open('/db', { create: false, readOnly: true }).close()
  expect(files.takeWritten()).toEqual([
    { offset: 0, length: 12288 },
    { offset: 40960, length: 4096 },
  ])
  expect(files.takeWritten()).toEqual([])
})

test('a replaced or deleted file, or a failed copy, means the whole file must be copied', () => {
  const files = new WriteTrackingFilePort(new MemoryFilePort(), '/db')
  files.open('/db', { create: true }).write(new Uint8Array(1), 0)
  files.rename('/db', '/db.old')
  expect(files.takeWritten()).toBeUndefined()
  files.open('/x', { create: true }).close()
  files.delete('/db.old')
  expect(files.takeWritten()).toEqual([])
  files.delete('/db')
  expect(files.takeWritten()).toBeUndefined()
  files.forget()
  expect(files.takeWritten()).toBeUndefined()
  files.forget()
  files.markInSync()
  expect(files.takeWritten()).toEqual([])
})
