/**
 * rqlite's access check over a set of users: a permission the user `*` holds (or `all`) is
 * everyone's; otherwise the request must carry the credentials of a user who holds it (or
 * `all`). A password that checked out is remembered (by its SHA-256, per user entry) so bcrypt
 * and PBKDF2 cost once per user, not once per request; failures are never remembered.
 */
import type { Credentials } from './credentials.ts'
import { sha256, verifyPassword } from './password.ts'
import type { Permission } from './permissions.ts'
import type { User } from './users.ts'

const MAX_REMEMBERED = 1024

export class Authorizer {
  #users = new Map<string, User>()
  #remembered = new Map<string, true>()

  constructor(users: readonly User[]) {
    this.setUsers(users)
  }

  /** Replaces the users (a reloaded file); what was remembered of the old ones is forgotten. */
  setUsers(users: readonly User[]): void {
    this.#users = new Map(users.map((u) => [u.username, u]))
    this.#remembered = new Map()
  }

  get usernames(): string[] {
    return [...this.#users.keys()]
  }

  /** Whether a request with `credentials` (null: anonymous) may do what needs every one of `perms`. */
  async allows(credentials: Credentials | null, perms: readonly Permission[]): Promise<boolean> {
    const anyone = this.#users.get('*')
    const missing = perms.filter((p) => !holds(anyone, p))
    if (missing.length === 0) return true
    if (!credentials || credentials.username === '*') return false
    const user = this.#users.get(credentials.username)
    if (!user || !missing.every((p) => holds(user, p))) {
      // Hash the password anyway, so an unknown user is not answered measurably sooner than a
      // wrong plaintext password (a bcrypt user's check still takes longer).
      await verifyPassword('', credentials.password)
      return false
    }
    return this.#passwordMatches(user, credentials.password)
  }

  /** The password the users name `username` has, for -join-as (this node's own requests). */
  credentialsOf(username: string): Credentials | null {
    const user = this.#users.get(username)
    return user ? { username, password: user.password } : null
  }

  async #passwordMatches(user: User, given: string): Promise<boolean> {
    const key = `${user.username}\u0000${user.password}\u0000${hex(await sha256(given))}`
    if (this.#remembered.has(key)) return true
    const ok = await verifyPassword(user.password, given)
    // The users may have been replaced while bcrypt ran: remember only for the current ones.
    if (ok && this.#users.get(user.username) === user) {
      if (this.#remembered.size >= MAX_REMEMBERED) this.#remembered.clear()
      this.#remembered.set(key, true)
    }
    return ok
  }
}

function holds(user: User | undefined, perm: Permission): boolean {
  return user !== undefined && (user.perms.has('all') || user.perms.has(perm))
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
