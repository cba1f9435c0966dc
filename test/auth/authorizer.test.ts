import bcrypt from 'bcryptjs'
import { describe, expect, test } from 'vitest'
import { Authorizer } from '../../src/auth/authorizer.ts'
import { basicCredentials } from '../../src/auth/credentials.ts'
import { hashPassword } from '../../src/auth/password.ts'
import { routePermissions } from '../../src/auth/route-permissions.ts'
import { UsersFileError, checkUsers, parseUsersFile } from '../../src/auth/users.ts'

// rqlite's documented example.
const EXAMPLE = `[
  {"username": "bob", "password": "secret1", "perms": ["all"]},
  {"username": "mary", "password": "secret2", "perms": ["query", "backup", "join"]},
  {"username": "*", "perms": ["status", "ready", "join-read-only"]}
]`

describe('users file', () => {
  test("parses rqlite's example", () => {
    const users = parseUsersFile(EXAMPLE)
    expect(users.map((u) => u.username)).toEqual(['bob', 'mary', '*'])
    expect([...users[1].perms]).toEqual(['query', 'backup', 'join'])
    expect(users[2].password).toBe('')
  })

  test('v10 alias join-read-replica is join-read-only', () => {
    expect([...checkUsers([{ username: 'r', password: 'p', perms: ['join-read-replica'] }])[0].perms]).toEqual(['join-read-only'])
  })

  test.each([
    ['{', /not valid JSON/],
    ['{}', /must be a JSON array/],
    ['[1]', /user #1 is not an object/],
    ['[{"password":"x","perms":[]}]', /user #1 has no "username"/],
    ['[{"username":"a","password":1}]', /user "a": "password" is not a string/],
    ['[{"username":"a","perms":"all"}]', /user "a": "perms" is not an array/],
    ['[{"username":"a","perms":["everything"]}]', /user "a": unknown permission "everything"/],
    ['[{"username":"a"},{"username":"a"}]', /user "a" is listed twice/],
  ])('refuses %s with a clear message', (text, message) => {
    expect(() => parseUsersFile(text)).toThrow(UsersFileError)
    expect(() => parseUsersFile(text)).toThrow(message)
  })
})

describe('Authorizer: rqlite semantics', () => {
  const auth = new Authorizer(parseUsersFile(EXAMPLE))
  const bob = { username: 'bob', password: 'secret1' }
  const mary = { username: 'mary', password: 'secret2' }

  test('the * user grants its permissions to anonymous requests', async () => {
    expect(await auth.allows(null, ['status'])).toBe(true)
    expect(await auth.allows(null, ['ready'])).toBe(true)
    expect(await auth.allows(null, ['execute'])).toBe(false)
    expect(await auth.allows(null, ['query'])).toBe(false)
  })

  test('a user with all may do anything; others only what they hold', async () => {
    for (const p of ['execute', 'query', 'load', 'remove', 'snapshot', 'ui'] as const) expect(await auth.allows(bob, [p]), p).toBe(true)
    expect(await auth.allows(mary, ['query'])).toBe(true)
    expect(await auth.allows(mary, ['execute'])).toBe(false)
    // /db/request needs both.
    expect(await auth.allows(mary, ['execute', 'query'])).toBe(false)
    expect(await auth.allows(bob, ['execute', 'query'])).toBe(true)
  })

  test('wrong password, unknown user, or a claim to be * gets nothing', async () => {
    expect(await auth.allows({ username: 'bob', password: 'secret2' }, ['query'])).toBe(false)
    expect(await auth.allows({ username: 'nobody', password: 'secret1' }, ['query'])).toBe(false)
    expect(await auth.allows({ username: '*', password: '' }, ['query'])).toBe(false)
  })

  test('hashed passwords (bcrypt and PBKDF2), remembered only once right', async () => {
    const a = new Authorizer(
      checkUsers([
        { username: 'b', password: bcrypt.hashSync('pw-b', 4), perms: ['query'] },
        { username: 'p', password: await hashPassword('pw-p', 1000), perms: ['query'] },
      ]),
    )
    expect(await a.allows({ username: 'b', password: 'pw-b' }, ['query'])).toBe(true)
    expect(await a.allows({ username: 'b', password: 'pw-b' }, ['query'])).toBe(true)
    expect(await a.allows({ username: 'b', password: 'pw-x' }, ['query'])).toBe(false)
    expect(await a.allows({ username: 'p', password: 'pw-p' }, ['query'])).toBe(true)
    expect(await a.allows({ username: 'p', password: 'pw-b' }, ['query'])).toBe(false)
  })

  test('new users replace the old ones, and nothing remembered of them survives', async () => {
    const a = new Authorizer(checkUsers([{ username: 'u', password: 'one', perms: ['query'] }]))
    expect(await a.allows({ username: 'u', password: 'one' }, ['query'])).toBe(true)
    a.setUsers(checkUsers([{ username: 'u', password: 'two', perms: ['query'] }]))
    expect(await a.allows({ username: 'u', password: 'one' }, ['query'])).toBe(false)
    expect(await a.allows({ username: 'u', password: 'two' }, ['query'])).toBe(true)
  })
})

test('Basic credentials', () => {
  expect(basicCredentials(`Basic ${btoa('bob:sec:ret')}`)).toEqual({ username: 'bob', password: 'sec:ret' })
  expect(basicCredentials(`basic ${btoa('bob:')}`)).toEqual({ username: 'bob', password: '' })
  expect(basicCredentials(null)).toBeNull()
  expect(basicCredentials('Bearer abc')).toBeNull()
  expect(basicCredentials(`Basic ${btoa('nocolon')}`)).toBeNull()
  expect(basicCredentials('Basic !!!')).toBeNull()
  expect(basicCredentials('Basic /w==')).toBeNull() // not UTF-8
})

test('route permissions follow rqlite, plus the routes raftlite adds', () => {
  expect(routePermissions('/db/execute')).toEqual(['execute'])
  expect(routePermissions('/db/query')).toEqual(['query'])
  expect(routePermissions('/db/request')).toEqual(['execute', 'query'])
  expect(routePermissions('/db/sql')).toEqual(['query'])
  expect(routePermissions('/db/changes')).toEqual(['query'])
  expect(routePermissions('/db/backup')).toEqual(['backup'])
  expect(routePermissions('/db/load')).toEqual(['load'])
  expect(routePermissions('/boot')).toEqual(['load'])
  expect(routePermissions('/status')).toEqual(['status'])
  expect(routePermissions('/nodes')).toEqual(['status'])
  expect(routePermissions('/debug/vars')).toEqual(['status'])
  expect(routePermissions('/metrics')).toEqual(['status'])
  expect(routePermissions('/readyz')).toEqual(['ready'])
  expect(routePermissions('/remove')).toEqual(['remove'])
  expect(routePermissions('/leader')).toEqual(['leader-ops'])
  expect(routePermissions('/snapshot')).toEqual(['snapshot'])
  expect(routePermissions('/reap')).toEqual(['snapshot'])
  expect(routePermissions('/console/')).toEqual(['ui'])
  expect(routePermissions('/')).toEqual([])
  expect(routePermissions('/nope')).toEqual([])
})
