/** `localhost:4001` → `http://localhost:4001` (TLS comes later). */
export function apiUrl(addr: string): string {
  return /^https?:\/\//.test(addr) ? addr : `http://${addr}`
}
