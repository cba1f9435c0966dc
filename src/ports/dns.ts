/** DNS lookups for node discovery (`-disco-mode dns`, `dns-srv`), where the runtime offers them. */
export interface DnsResolver {
  /** The IP addresses `name` resolves to (A and AAAA records). */
  addresses(name: string): Promise<string[]>
  /** The SRV records of `name`, e.g. `_rqlite-raft._tcp.example.com`. */
  srv(name: string): Promise<{ target: string; port: number }[]>
}
