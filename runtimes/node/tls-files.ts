/**
 * Certificate files on Node: loaded, and watched so that a certificate or key rewritten on disk
 * (a renewal) is used for new connections without a restart. A half-written or mismatched pair
 * is not taken: the last good one stays, and the reason goes to `onError`.
 */
import { readFileSync, statSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
// node:timers, not the global: Deno's global setInterval returns a number, which has no unref.
import { clearInterval, setInterval } from 'node:timers'

export interface TlsMaterial {
  cert: Buffer
  key: Buffer
  ca?: Buffer
}

export function loadTls(certFile: string, keyFile: string, caFile: string): TlsMaterial {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path)
    } catch (e) {
      throw new Error(`cannot read the ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const material: TlsMaterial = { cert: read('certificate', certFile), key: read('key', keyFile), ...(caFile ? { ca: read('CA certificate', caFile) } : {}) }
  try {
    createSecureContext(material) // refuses a bad PEM, or a key that does not match the certificate
  } catch (e) {
    throw new Error(`the certificate ${certFile} and key ${keyFile} cannot be used: ${e instanceof Error ? e.message : String(e)}`)
  }
  return material
}

/** Polls the files' modification times and size; calls `onChange` with a good new set. Returns stop. */
export function watchTls(
  certFile: string,
  keyFile: string,
  caFile: string,
  onChange: (material: TlsMaterial) => void,
  onError: (message: string) => void,
  intervalMs = 1000,
): () => void {
  const files = [certFile, keyFile, caFile].filter(Boolean)
  const stamp = () => files.map((f) => {
    try {
      const s = statSync(f)
      return `${s.mtimeMs}:${s.size}:${s.ino}`
    } catch {
      return 'missing'
    }
  }).join('|')
  let last = stamp()
  const timer = setInterval(() => {
    const now = stamp()
    if (now === last) return
    last = now
    try {
      onChange(loadTls(certFile, keyFile, caFile))
    } catch (e) {
      onError(`${e instanceof Error ? e.message : String(e)}; keeping the previous certificate`)
    }
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
