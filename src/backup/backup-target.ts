/**
 * Where automatic backups go and auto-restore reads from: a directory, an S3-compatible bucket
 * or Google Cloud Storage. Objects are written whole from a file (its length known up front, as
 * object stores want) and read back as a stream: never held whole in memory.
 */
export interface BackupTarget {
  /** For log lines and /status: where it writes (no secrets). */
  readonly description: string
  /** The object name the config names (`path` or `name`). */
  readonly name: string
  /** Stores `body` (of `length` bytes) as `name`, replacing what was there. */
  put(name: string, body: ReadableStream<Uint8Array>, length: number): Promise<void>
  /** The object called `name`, or null if there is none. */
  get(name: string): Promise<ReadableStream<Uint8Array> | null>
}

/** `YYYYMMDDHHMMSS_<name>` (UTC), in the name's directory: rqlite's timestamped backups. */
export function timestampedName(name: string, nowMs: number): string {
  const d = new Date(nowMs)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const stamp = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  const slash = name.lastIndexOf('/')
  return `${name.slice(0, slash + 1)}${stamp}_${name.slice(slash + 1)}`
}

export async function readAllText(stream: ReadableStream<Uint8Array>, limit = 4096): Promise<string> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of stream) {
    total += chunk.length
    if (total > limit) break
    chunks.push(chunk)
  }
  const out = new Uint8Array(Math.min(total, limit))
  let offset = 0
  for (const c of chunks) {
    out.set(c.subarray(0, out.length - offset), offset)
    offset += c.length
  }
  return new TextDecoder().decode(out)
}
