// PRAGMAs that would take journaling or checkpointing away from raftlite (rqlite refuses the
// same set; we also look after every `;`, so a multi-statement string cannot smuggle one in).
// Reading them (`PRAGMA journal_mode`) is allowed.
const DISALLOWED = /(?:^|;)\s*pragma\s+(?:\w+\s*\.\s*)?(?:journal_mode\s*=|wal_autocheckpoint\s*=|wal_checkpoint|synchronous\s*=|query_only\s*=)/i

export function isDisallowedPragma(sql: string): boolean {
  return DISALLOWED.test(sql)
}

export const DISALLOWED_PRAGMA_ERROR = 'disallowed pragma'
