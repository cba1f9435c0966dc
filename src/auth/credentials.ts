/** Who a request says it is: HTTP Basic credentials, forwarded between nodes as they came. */
export interface Credentials {
  username: string
  password: string
}

/** The credentials of an `Authorization: Basic …` header; null when absent or malformed. */
export function basicCredentials(header: string | null | undefined): Credentials | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!m) return null
  let decoded: string
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)))
  } catch {
    return null
  }
  const colon = decoded.indexOf(':')
  if (colon < 0) return null
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
