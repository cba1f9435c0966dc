/**
 * What client SQL may make SQLite do, judged by SQLite's authorizer (sqlite3_set_authorizer)
 * instead of by reading the SQL text: SQLite reports each action of a statement as it compiles
 * it, whatever the spelling (case, comments, schema prefixes, `x(1)` or `x=1`, `;` chains).
 *
 * Refused:
 * - setting the pragmas rqlite refuses, and running a WAL checkpoint: raftlite owns journaling
 *   and checkpoints (the main file must stay the last snapshot between snapshots);
 * - ATTACH and DETACH, and VACUUM INTO: they open a file by name, which a client must never
 *   choose, and an attached database (even `:memory:`) would be connection state that no
 *   snapshot carries, so replicas restored from one would diverge.
 */

// Action codes from sqlite3.h (part of SQLite's stable C API).
const SQLITE_PRAGMA = 19
const SQLITE_ATTACH = 24
const SQLITE_DETACH = 25

export const DISALLOWED_PRAGMA = 'disallowed pragma'
export const DISALLOWED_ATTACH = 'disallowed attach'
export const DISALLOWED_DETACH = 'disallowed detach'
export const DISALLOWED_VACUUM_INTO = 'disallowed vacuum into'

/** Pragmas that may be read but not set (rqlite's list; the last two name a directory). */
const READ_ONLY_PRAGMAS = new Set([
  'journal_mode',
  'wal_autocheckpoint',
  'synchronous',
  'query_only',
  'temp_store_directory',
  'data_store_directory',
])
/** Pragmas refused outright: even without an argument, this one runs a checkpoint. */
const REFUSED_PRAGMAS = new Set(['wal_checkpoint'])

/**
 * `compiling`: SQLite is preparing a statement. `running`: it is executing one, and an action
 * reported now comes from inside it (VACUUM compiles its own SQL as it runs).
 */
export type Phase = 'compiling' | 'running'

/** Why client SQL may not perform this authorizer action, or null when it may. */
export function refusal(action: number, arg1: string | null, arg2: string | null, phase: Phase): string | null {
  switch (action) {
    case SQLITE_PRAGMA: {
      const name = (arg1 ?? '').toLowerCase()
      if (REFUSED_PRAGMAS.has(name)) return DISALLOWED_PRAGMA
      return arg2 !== null && READ_ONLY_PRAGMAS.has(name) ? DISALLOWED_PRAGMA : null
    }
    case SQLITE_ATTACH:
      // No client statement may attach. Only VACUUM attaches while it runs: plain VACUUM its
      // private temporary database (an empty name), VACUUM INTO the file it was given.
      if (phase === 'compiling') return DISALLOWED_ATTACH
      return arg1 === '' ? null : DISALLOWED_VACUUM_INTO
    case SQLITE_DETACH:
      return DISALLOWED_DETACH
    default:
      return null
  }
}
