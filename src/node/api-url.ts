/** `localhost:4001` → `http://localhost:4001`; an address that names its scheme is kept. */
export function apiUrl(addr: string): string {
  return /^https?:\/\//.test(addr) ? addr : `http://${addr}`
}

/** The API address a node tells others: with its scheme when it serves HTTPS (`-http-cert`). */
export function advertisedApiAddr(options: { httpAdvAddr: string; httpsApi?: boolean }): string {
  return options.httpsApi ? `https://${options.httpAdvAddr}` : options.httpAdvAddr
}
