/**
 * Command history kept across sessions: a text file in the home directory, one entry a line,
 * oldest first (rqlite's `~/.rqlite_history` format), at most `size` entries.
 * A statement typed over several lines is kept as one line, so one Up recalls all of it.
 */

export const HISTORY_FILE = '.raftlite_history'
export const DEFAULT_HISTORY_SIZE = 100

/** The size from RAFTLITE_HISTFILESIZE (or RQLITE_HISTFILESIZE); 0 turns history off. */
export function historySize(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.RAFTLITE_HISTFILESIZE ?? env.RQLITE_HISTFILESIZE
  if (raw === undefined || raw.trim() === '') return DEFAULT_HISTORY_SIZE
  const n = Number(raw)
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_HISTORY_SIZE
}

/** Entries of a history file, oldest first, at most `size` (the newest). */
export function parseHistory(text: string, size: number): string[] {
  const entries = text.split('\n').filter((l) => l.trim() !== '')
  return size === 0 ? [] : entries.slice(-size)
}

export function formatHistory(entries: readonly string[], size: number): string {
  const kept = size === 0 ? [] : entries.slice(-size)
  return kept.map((e) => `${e}\n`).join('')
}

/** A typed entry as history keeps it: its lines joined, no line breaks. */
export function historyEntry(lines: readonly string[]): string {
  return lines
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
}

/** Adds an entry (oldest first), skipping a repeat of the newest, keeping at most `size`. */
export function addHistory(entries: string[], entry: string, size: number): string[] {
  if (entry === '' || size === 0) return entries
  const next = entries[entries.length - 1] === entry ? entries : [...entries, entry]
  return next.slice(-size)
}
