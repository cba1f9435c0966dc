/** A node's authorizer from its options: the users, and the -join-as user checked against them. */
import type { NodeOptions } from '../node/node-options.ts'
import { Authorizer } from './authorizer.ts'
import { passwordScheme } from './password.ts'
import { checkUsers } from './users.ts'

/** Null when the node has no users (no access control). Throws on bad users or -join-as. */
export function createAuthorizer(options: Pick<NodeOptions, 'users' | 'joinAs'>): Authorizer | null {
  if (!options.users) {
    if (options.joinAs) throw new Error(`-join-as ${options.joinAs} needs the users file (-auth) that holds its password`)
    return null
  }
  const users = checkUsers(options.users)
  if (options.joinAs) {
    const user = users.find((u) => u.username === options.joinAs)
    if (!user) throw new Error(`-join-as: user ${JSON.stringify(options.joinAs)} is not in the users file`)
    // The node sends the password to the node it joins, which checks it: it must know it.
    if (passwordScheme(user.password) !== 'plaintext') {
      throw new Error(`-join-as: user ${JSON.stringify(options.joinAs)} has a hashed password; the user a node joins as needs a plaintext one`)
    }
  }
  return new Authorizer(users)
}
