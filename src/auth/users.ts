/**
 * The users file (`-auth`), rqlite's format: a JSON array of
 * `{"username": "…", "password": "…", "perms": ["…"]}`. The user `*` grants its permissions to
 * everyone, anonymous requests included, and needs no password. A password may be plaintext
 * (as in rqlite) or a hash (`password.ts`). Embedders pass the same array as `NodeOptions.users`.
 */
import { type Permission, permissionNamed } from './permissions.ts'

export interface UserEntry {
  username: string
  /** Plaintext or a hash (`$2b$…` bcrypt, `pbkdf2-sha256$…`); absent for `*`. */
  password?: string
  perms: readonly string[]
}

/** A checked user: permissions resolved. */
export interface User {
  username: string
  password: string
  perms: ReadonlySet<Permission>
}

export class UsersFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsersFileError'
  }
}

/** Parses the text of a users file; throws `UsersFileError` saying what is wrong and where. */
export function parseUsersFile(text: string): User[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new UsersFileError(`users file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  return checkUsers(value)
}

/** Checks users given as a value (the library's `users` option, or a parsed file). */
export function checkUsers(value: unknown): User[] {
  if (!Array.isArray(value)) throw new UsersFileError('users must be a JSON array of {"username","password","perms"} objects')
  const seen = new Set<string>()
  return value.map((entry: unknown, i) => {
    const where = `user #${i + 1}`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new UsersFileError(`${where} is not an object`)
    const { username, password, perms } = entry as Record<string, unknown>
    if (typeof username !== 'string' || username === '') throw new UsersFileError(`${where} has no "username" string`)
    const who = `user ${JSON.stringify(username)}`
    if (seen.has(username)) throw new UsersFileError(`${who} is listed twice`)
    seen.add(username)
    if (password !== undefined && typeof password !== 'string') throw new UsersFileError(`${who}: "password" is not a string`)
    if (perms !== undefined && !Array.isArray(perms)) throw new UsersFileError(`${who}: "perms" is not an array`)
    const resolved = new Set<Permission>()
    for (const p of perms ?? []) {
      const perm = typeof p === 'string' ? permissionNamed(p) : null
      if (!perm) throw new UsersFileError(`${who}: unknown permission ${JSON.stringify(p)}`)
      resolved.add(perm)
    }
    return { username, password: password ?? '', perms: resolved }
  })
}
