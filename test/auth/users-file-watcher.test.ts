// The -auth file is re-read while the node runs: a good change applies, a broken one keeps the
// last good users and says why in the log (subsystem `auth`).
import { expect, test } from 'vitest'
import { UsersFileError } from '../../src/auth/users.ts'
import { readUsersFile, watchUsersFile } from '../../src/auth/users-file-watcher.ts'
import { Logger, MemoryLogSink } from '../../src/observe/logger.ts'
import type { FilePort } from '../../src/ports/file-port.ts'
import type { Timers } from '../../src/ports/timers.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'
import type { UserEntry } from '../../src/auth/users.ts'

function write(files: FilePort, path: string, text: string): void {
  const h = files.open(path, { create: true })
  const bytes = new TextEncoder().encode(text)
  h.truncate(0)
  h.write(bytes, 0)
  h.close()
}

/** Timers run by hand: `tick()` fires what is due. */
function manualTimers(): Timers & { tick(): void } {
  let pending: (() => void)[] = []
  return {
    setTimeout(fn) {
      pending.push(fn)
      return () => (pending = pending.filter((f) => f !== fn))
    },
    defer(fn) {
      fn()
    },
    tick() {
      const due = pending
      pending = []
      for (const fn of due) fn()
    },
  }
}

test('a changed file is applied; a broken one keeps the last good users and is logged', () => {
  const files = new MemoryFilePort()
  const timers = manualTimers()
  const sink = new MemoryLogSink()
  const log = new Logger({ sink, level: 'debug' }).for('auth')
  write(files, '/users.json', '[{"username":"a","password":"1","perms":["all"]}]')
  expect(readUsersFile(files, '/users.json').map((u) => u.username)).toEqual(['a'])
  const applied: UserEntry[][] = []
  const watch = watchUsersFile(files, timers, '/users.json', log, (users) => applied.push(users))

  timers.tick()
  expect(applied).toEqual([]) // unchanged

  write(files, '/users.json', '[{"username":"b","password":"2","perms":["query"]}]')
  timers.tick()
  expect(applied.map((u) => u.map((x) => x.username))).toEqual([['b']])
  expect(sink.records.at(-1)).toMatchObject({ level: 'info', subsystem: 'auth', msg: 'users file reloaded', fields: { users: 1 } })

  write(files, '/users.json', '[{"username":"b","password":"2","perms":["qurey"]}]')
  timers.tick()
  timers.tick() // logged once, not on every poll
  expect(applied).toHaveLength(1)
  const errors = sink.records.filter((r) => r.level === 'error')
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatchObject({ subsystem: 'auth', msg: 'users file not reloaded; keeping the last good users' })
  expect(String(errors[0].fields?.error)).toContain('unknown permission "qurey"')

  files.delete('/users.json')
  timers.tick()
  expect(sink.records.at(-1)).toMatchObject({ level: 'error', msg: 'users file cannot be read; keeping the last good users' })

  write(files, '/users.json', '[{"username":"c","password":"3","perms":[]}]')
  timers.tick()
  expect(applied.at(-1)?.map((u) => u.username)).toEqual(['c'])

  watch.stop()
  write(files, '/users.json', '[]')
  timers.tick()
  expect(applied).toHaveLength(2)
})

test('readUsersFile says which file and what is wrong', () => {
  const files = new MemoryFilePort()
  expect(() => readUsersFile(files, '/missing.json')).toThrow(/cannot read users file \/missing.json/)
  write(files, '/bad.json', '[{"username":"x","perms":["root"]}]')
  expect(() => readUsersFile(files, '/bad.json')).toThrow(UsersFileError)
  expect(() => readUsersFile(files, '/bad.json')).toThrow('users file /bad.json: user "x": unknown permission "root"')
})
