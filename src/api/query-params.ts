/**
 * rqlite's URL query parameters (http/query_params.go), parsed before routing.
 *
 * - Decoding is Go's `url.ParseQuery`: `&`-separated, `+` is a space, a `;`
 *   anywhere or a bad `%` escape is an error (→ 400 with Go's text).
 * - The first value of a repeated key wins; keys are case-sensitive.
 * - Boolean flags are on when the key is merely present (`?transaction=false` is ON).
 * - Validation order and messages follow rqlite exactly; each failure throws a
 *   400 `RequestError`.
 */
import { parseGoDuration } from './go-duration.ts'
import { RequestError } from './request-error.ts'

export type ConsistencyLevel = 'none' | 'weak' | 'linearizable' | 'strong' | 'auto'
export type BackupFormat = 'binary' | 'sql' | 'delete'

export interface QueryParams {
  /** First value of every key (presence ⇒ key exists, value may be ''). */
  readonly raw: ReadonlyMap<string, string>
  has(key: string): boolean
  get(key: string): string | undefined

  pretty: boolean
  timings: boolean
  transaction: boolean
  associative: boolean
  blobArray: boolean
  raftIndex: boolean
  queue: boolean
  wait: boolean
  noleader: boolean
  nonvoters: boolean
  redirect: boolean
  norwrandom: boolean
  norwtime: boolean
  noparse: boolean
  bypass: boolean
  sync: boolean
  vacuum: boolean
  compress: boolean
  freshnessStrict: boolean
  /** `qualify_columns` [v10]. */
  qualifyColumns: boolean

  /** `level`, case-insensitive; absent or unknown → `weak`. */
  level: ConsistencyLevel
  /** `fmt` for backups, case-insensitive; unknown → `binary`. */
  backupFormat: BackupFormat
  /** `q` (only set when present; present-but-empty is rejected). */
  query: string | undefined
  /** `key` for /status and /debug/vars ('' when absent). */
  key: string
  /** `ver` for /nodes ('' when absent). */
  ver: string
  /** `tables` for SQL dumps: comma list, trimmed, empties dropped. */
  tables: string[]

  /** Durations in milliseconds; null when absent (the route supplies its default). */
  timeoutMs: number | null
  dbTimeoutMs: number | null
  linearizableTimeoutMs: number | null
  /** 0 when absent, as rqlite's Freshness() does. */
  freshnessMs: number

  /** Integers; null when absent. */
  retries: number | null
  trailingLogs: number | null
}

const DURATION_KEYS = ['timeout', 'freshness', 'db_timeout', 'linearizable_timeout'] as const
const INT_KEYS = ['retries', 'trailing_logs'] as const

/** Parses a raw query string (with or without the leading `?`) or a URL. */
export function parseQueryParams(input: string | URL): QueryParams {
  const rawQuery = typeof input === 'string' ? (input.startsWith('?') ? input.slice(1) : input) : input.search.slice(1)
  const raw = parseGoQuery(rawQuery)

  if (raw.has('freshness_strict') && !raw.has('freshness')) {
    throw new RequestError('freshness_strict requires freshness')
  }
  const durations = new Map<string, number>()
  for (const k of DURATION_KEYS) {
    const v = raw.get(k)
    if (v === undefined) continue
    try {
      durations.set(k, parseGoDuration(v))
    } catch {
      throw new RequestError(`${k} is not a valid duration`)
    }
  }
  const ints = new Map<string, number>()
  for (const k of INT_KEYS) {
    const v = raw.get(k)
    if (v === undefined) continue
    const n = parseAtoi(v)
    if (n === undefined) throw new RequestError(`${k} is not a valid integer`)
    ints.set(k, n)
  }
  const q = raw.get('q')
  if (q === '') throw new RequestError('query parameter not set')

  const has = (k: string) => raw.has(k)
  return {
    raw,
    has,
    get: (k: string) => raw.get(k),
    pretty: has('pretty'),
    timings: has('timings'),
    transaction: has('transaction'),
    associative: has('associative'),
    blobArray: has('blob_array'),
    raftIndex: has('raft_index'),
    queue: has('queue'),
    wait: has('wait'),
    noleader: has('noleader'),
    nonvoters: has('nonvoters'),
    redirect: has('redirect'),
    norwrandom: has('norwrandom'),
    norwtime: has('norwtime'),
    noparse: has('noparse'),
    bypass: has('bypass'),
    sync: has('sync'),
    vacuum: has('vacuum'),
    compress: has('compress'),
    freshnessStrict: has('freshness_strict'),
    qualifyColumns: has('qualify_columns'),
    level: parseLevel(raw.get('level')),
    backupFormat: parseBackupFormat(raw.get('fmt')),
    query: q,
    key: raw.get('key') ?? '',
    ver: raw.get('ver') ?? '',
    tables: (raw.get('tables') ?? '').split(',').map((t) => t.trim()).filter((t) => t !== ''),
    timeoutMs: durations.get('timeout') ?? null,
    dbTimeoutMs: durations.get('db_timeout') ?? null,
    linearizableTimeoutMs: durations.get('linearizable_timeout') ?? null,
    freshnessMs: durations.get('freshness') ?? 0,
    retries: ints.get('retries') ?? null,
    trailingLogs: ints.get('trailing_logs') ?? null,
  }
}

export function parseLevel(s: string | undefined): ConsistencyLevel {
  const l = (s ?? '').toLowerCase()
  return l === 'none' || l === 'strong' || l === 'linearizable' || l === 'auto' ? l : 'weak'
}

export function parseBackupFormat(s: string | undefined): BackupFormat {
  const f = (s ?? '').toLowerCase()
  return f === 'sql' || f === 'delete' ? f : 'binary'
}

/**
 * Go's `url.ParseQuery`, keeping the first value per key. Go keeps parsing
 * after an error and reports the first one; the outcome (reject) is the same.
 */
export function parseGoQuery(query: string): Map<string, string> {
  const m = new Map<string, string>()
  let err: string | undefined
  for (const part of query === '' ? [] : query.split('&')) {
    if (part.includes(';')) {
      err ??= 'invalid semicolon separator in query'
      continue
    }
    if (part === '') continue
    const eq = part.indexOf('=')
    const k = queryUnescape(eq < 0 ? part : part.slice(0, eq))
    const v = queryUnescape(eq < 0 ? '' : part.slice(eq + 1))
    if (typeof k !== 'string') {
      err ??= k.error
      continue
    }
    if (typeof v !== 'string') {
      err ??= v.error
      continue
    }
    if (!m.has(k)) m.set(k, v)
  }
  if (err !== undefined) throw new RequestError(err)
  return m
}

/** `url.QueryUnescape`: `+` → space, `%XX` → byte; bytes decoded as UTF-8. */
function queryUnescape(s: string): string | { error: string } {
  if (!s.includes('%') && !s.includes('+')) return s
  try {
    // The common case, natively; it throws on what Go treats differently (bad escapes, bytes
    // that are not UTF-8), and those take the byte-wise path below.
    return decodeURIComponent(s.replaceAll('+', ' '))
  } catch {
    // fall through
  }
  const bytes: number[] = []
  const enc = new TextEncoder()
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '%') {
      const h = s.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        return { error: `invalid URL escape "${s.slice(i, i + 3)}"` }
      }
      bytes.push(parseInt(h, 16))
      i += 2
    } else if (c === '+') {
      bytes.push(0x20)
    } else {
      const cp = s.codePointAt(i)!
      const ch = String.fromCodePoint(cp)
      if (ch.length === 2) i++
      bytes.push(...enc.encode(ch))
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

/** `strconv.Atoi`: optional sign, decimal digits, int64 range. */
export function parseAtoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined
  const n = BigInt(s)
  if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) return undefined
  return Number(n)
}
