/**
 * rqlite's `-auto-backup` and `-auto-restore` configuration files (JSON):
 *
 *   {"version":1,"type":"s3","interval":"5m","vacuum":false,"no_compress":false,"timestamp":false,
 *    "sub":{"access_key_id":"$K","secret_access_key":"$S","region":"us-east-1","bucket":"b",
 *           "path":"backups/db.sqlite3.gz","endpoint":"","force_path_style":false}}
 *
 * `type` is `s3`, `gcs` (`sub`: project_id, bucket, name, credentials_path) or `file` (`sub`:
 * dir, name). `$VAR` and `${VAR}` are expanded from the environment before parsing. A config
 * that does not make sense is refused at start with what is wrong, never half used.
 */
import { parseGoDuration } from '../api/go-duration.ts'

export type TargetConfig =
  | { type: 'file'; dir: string; name: string }
  | { type: 's3'; accessKeyId: string; secretAccessKey: string; region: string; bucket: string; path: string; endpoint: string; forcePathStyle: boolean }
  | { type: 'gcs'; projectId: string; bucket: string; name: string; credentialsPath: string; endpoint: string }

export interface AutoBackupConfig {
  target: TargetConfig
  intervalMs: number
  vacuum: boolean
  compress: boolean
  timestamp: boolean
}

export interface AutoRestoreConfig {
  target: TargetConfig
  timeoutMs: number
  continueOnFailure: boolean
}

export class BackupConfigError extends Error {
  constructor(what: string, message: string) {
    super(`${what}: ${message}`)
    this.name = 'BackupConfigError'
  }
}

type Env = (name: string) => string | undefined

export function parseAutoBackupConfig(text: string, env: Env): AutoBackupConfig {
  const what = 'invalid -auto-backup config'
  const raw = parseJson(text, env, what)
  const interval = field(raw, 'interval', 'string', what)
  if (interval === undefined) throw new BackupConfigError(what, '"interval" is required (e.g. "5m")')
  const intervalMs = duration(interval, 'interval', what)
  if (intervalMs <= 0) throw new BackupConfigError(what, '"interval" must be more than 0')
  return {
    target: target(raw, what),
    intervalMs,
    vacuum: field(raw, 'vacuum', 'boolean', what) ?? false,
    compress: !(field(raw, 'no_compress', 'boolean', what) ?? false),
    timestamp: field(raw, 'timestamp', 'boolean', what) ?? false,
  }
}

export function parseAutoRestoreConfig(text: string, env: Env): AutoRestoreConfig {
  const what = 'invalid -auto-restore config'
  const raw = parseJson(text, env, what)
  const timeout = field(raw, 'timeout', 'string', what)
  return {
    target: target(raw, what),
    timeoutMs: timeout === undefined ? 60_000 : duration(timeout, 'timeout', what),
    continueOnFailure: field(raw, 'continue_on_failure', 'boolean', what) ?? false,
  }
}

function parseJson(text: string, env: Env, what: string): Record<string, unknown> {
  const expanded = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, b?: string) => jsonEscape(env((a ?? b)!) ?? ''))
  let raw: unknown
  try {
    raw = JSON.parse(expanded)
  } catch (e) {
    throw new BackupConfigError(what, `not JSON (${e instanceof Error ? e.message : String(e)})`)
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BackupConfigError(what, 'must be a JSON object')
  const o = raw as Record<string, unknown>
  if (o.version !== 1) throw new BackupConfigError(what, `"version" must be 1, got ${JSON.stringify(o.version)}`)
  return o
}

/** A value put inside a JSON string literal (where `$VAR`s stand). */
function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1)
}

function target(raw: Record<string, unknown>, what: string): TargetConfig {
  const sub = raw.sub
  if (!sub || typeof sub !== 'object' || Array.isArray(sub)) throw new BackupConfigError(what, '"sub" must be an object')
  const s = sub as Record<string, unknown>
  const need = (name: string) => {
    const v = field(s, name, 'string', what)
    if (!v) throw new BackupConfigError(what, `"sub.${name}" is required`)
    return v
  }
  switch (raw.type) {
    case 'file':
      return { type: 'file', dir: need('dir'), name: need('name') }
    case 's3':
      return {
        type: 's3',
        accessKeyId: need('access_key_id'),
        secretAccessKey: need('secret_access_key'),
        region: field(s, 'region', 'string', what) || 'us-east-1',
        bucket: need('bucket'),
        path: need('path'),
        endpoint: field(s, 'endpoint', 'string', what) ?? '',
        forcePathStyle: field(s, 'force_path_style', 'boolean', what) ?? false,
      }
    case 'gcs':
      return {
        type: 'gcs',
        projectId: need('project_id'),
        bucket: need('bucket'),
        name: need('name'),
        credentialsPath: need('credentials_path'),
        endpoint: field(s, 'endpoint', 'string', what) ?? '',
      }
    default:
      throw new BackupConfigError(what, `"type" must be "file", "s3" or "gcs", got ${JSON.stringify(raw.type)}`)
  }
}

function field<T extends 'string' | 'boolean'>(o: Record<string, unknown>, name: string, type: T, what: string): (T extends 'string' ? string : boolean) | undefined {
  const v = o[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== type) throw new BackupConfigError(what, `"${name}" must be a ${type}`)
  return v as T extends 'string' ? string : boolean
}

function duration(text: string, name: string, what: string): number {
  try {
    return parseGoDuration(text)
  } catch {
    throw new BackupConfigError(what, `"${name}" is not a valid duration: ${JSON.stringify(text)}`)
  }
}
