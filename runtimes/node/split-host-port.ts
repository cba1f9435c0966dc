/** Splits a `host:port` listen address; an empty host means every interface (Go's `:4001`). */
export function splitHostPort(addr: string): { hostname: string; port: number } {
  const i = addr.lastIndexOf(':')
  if (i < 0) throw new Error(`address "${addr}" must be host:port`)
  const hostname = addr.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0'
  const port = Number(addr.slice(i + 1))
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`address "${addr}" has an invalid port`)
  return { hostname, port }
}
