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
 *   snapshot carries, so replicas restored from one would diverge;
 * - creating, changing or dropping anything named `_raftlite_…`, or writing such a table: those
 *   names are raftlite's own (the queued-write ledger), and a client's table, view, trigger or
 *   temporary table of that name would make every queued batch fail on every node.
 */

// Action codes from sqlite3.h (part of SQLite's stable C API).
const SQLITE_CREATE_INDEX = 1
const SQLITE_CREATE_TABLE = 2
const SQLITE_CREATE_TEMP_INDEX = 3
const SQLITE_CREATE_TEMP_TABLE = 4
const SQLITE_CREATE_TEMP_TRIGGER = 5
const SQLITE_CREATE_TEMP_VIEW = 6
const SQLITE_CREATE_TRIGGER = 7
const SQLITE_CREATE_VIEW = 8
const SQLITE_DELETE = 9
const SQLITE_DROP_INDEX = 10
const SQLITE_DROP_TABLE = 11
const SQLITE_DROP_TEMP_TABLE = 13
const SQLITE_DROP_TEMP_VIEW = 15
const SQLITE_DROP_VIEW = 17
const SQLITE_INSERT = 18
const SQLITE_UPDATE = 23
const SQLITE_ALTER_TABLE = 26
const SQLITE_PRAGMA = 19
const SQLITE_ATTACH = 24
const SQLITE_DETACH = 25

export const DISALLOWED_PRAGMA = 'disallowed pragma'
export const DISALLOWED_ATTACH = 'disallowed attach'
export const DISALLOWED_DETACH = 'disallowed detach'
export const DISALLOWED_VACUUM_INTO = 'disallowed vacuum into'
export const RESERVED_NAME = 'names starting with _raftlite_ are reserved for raftlite'

const RESERVED_PREFIX = '_raftlite_'
const isReserved = (name: string | null) => name !== null && name.toLowerCase().startsWith(RESERVED_PREFIX)

/** The name an action creates, changes or writes: arg1, or arg2 where arg1 is something else. */
const NAMED_BY_ARG1 = new Set([
  SQLITE_CREATE_TABLE,
  SQLITE_CREATE_TEMP_TABLE,
  SQLITE_CREATE_VIEW,
  SQLITE_CREATE_TEMP_VIEW,
  SQLITE_DELETE,
  SQLITE_DROP_TABLE,
  SQLITE_DROP_TEMP_TABLE,
  SQLITE_DROP_VIEW,
  SQLITE_DROP_TEMP_VIEW,
  SQLITE_INSERT,
  SQLITE_UPDATE,
])
const NAMED_BY_ARG2 = new Set([SQLITE_CREATE_INDEX, SQLITE_CREATE_TEMP_INDEX, SQLITE_DROP_INDEX, SQLITE_CREATE_TRIGGER, SQLITE_CREATE_TEMP_TRIGGER, SQLITE_ALTER_TABLE])

/** Pragmas that may be read but not set (rqlite's list, whose last two name a directory; then raftlite's). */
const READ_ONLY_PRAGMAS = new Set([
  'journal_mode',
  'wal_autocheckpoint',
  'synchronous',
  'query_only',
  'temp_store_directory',
  'data_store_directory',
  // raftlite's: an exclusive lock would hide every later write from the reader on the event
  // loop, which shares the WAL index through the locks (src/sqlite/shared-wal-index.ts).
  'locking_mode',
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
  // While running, VACUUM copies every table, raftlite's own included: only what a client
  // statement compiles to is judged by name (triggers are compiled with the statement).
  if (phase === 'compiling' && ((NAMED_BY_ARG1.has(action) && isReserved(arg1)) || (NAMED_BY_ARG2.has(action) && isReserved(arg2)))) {
    return RESERVED_NAME
  }
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

const COMPILE_TIME_KEYWORDS = /pragma|attach|detach/i

/**
 * Whether `sql` surely compiles without a refusal: what the policy refuses while compiling is a
 * PRAGMA, ATTACH or DETACH statement, and SQLite spells those keywords only in ASCII letters, in
 * any case. Text alone, no connection (`Connection.refusal`, the worker engine's node side).
 */
export function compilesWithoutRefusal(sql: string): boolean {
  return !COMPILE_TIME_KEYWORDS.test(sql)
}
