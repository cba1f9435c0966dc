/**
 * The `-auth` users file: read at start, and re-read while the node runs so that a change takes
 * effect without a restart. A file that no longer parses (a half-written edit, a typo) changes
 * nothing: the last good users stay in force, and the log says why.
 */
import { type FilePort, readTextFile } from '../ports/file-port.ts'
import type { Timers } from '../ports/timers.ts'
import type { SubsystemLogger } from '../observe/logger.ts'
import { type UserEntry, UsersFileError, checkUsers } from './users.ts'

/** The users in the file at `path`, checked; throws `UsersFileError` saying what is wrong. */
export function readUsersFile(files: FilePort, path: string): UserEntry[] {
  let text: string
  try {
    text = readTextFile(files, path)
  } catch (e) {
    throw new UsersFileError(`cannot read users file ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
  return parseUsersText(text, path)
}

function parseUsersText(text: string, path: string): UserEntry[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new UsersFileError(`users file ${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  try {
    checkUsers(value)
  } catch (e) {
    throw new UsersFileError(`users file ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
  return value as UserEntry[]
}

export interface UsersFileWatch {
  stop(): void
}

/**
 * Re-reads `path` every `intervalMs` and hands a changed, valid file to `apply`. Polling, not
 * file-system events: it works the same on every runtime and file system, and the file is small.
 */
export function watchUsersFile(
  files: FilePort,
  timers: Timers,
  path: string,
  log: SubsystemLogger,
  apply: (users: UserEntry[]) => void,
  intervalMs = 1000,
): UsersFileWatch {
  let last: string | null = null
  try {
    last = readTextFile(files, path)
  } catch {
    // unreadable now: the first successful read below counts as a change
  }
  let stopped = false
  let cancel = () => {}
  const check = () => {
    if (stopped) return
    let text: string
    try {
      text = readTextFile(files, path)
    } catch (e) {
      if (last !== null) log.error('users file cannot be read; keeping the last good users', { path, error: e instanceof Error ? e.message : String(e) })
      last = null
      cancel = timers.setTimeout(check, intervalMs)
      return
    }
    if (text !== last) {
      last = text
      try {
        const users = parseUsersText(text, path)
        apply(users)
        log.info('users file reloaded', { path, users: users.length })
      } catch (e) {
        log.error('users file not reloaded; keeping the last good users', { path, error: e instanceof Error ? e.message : String(e) })
      }
    }
    cancel = timers.setTimeout(check, intervalMs)
  }
  cancel = timers.setTimeout(check, intervalMs)
  return {
    stop() {
      stopped = true
      cancel()
    },
  }
}
