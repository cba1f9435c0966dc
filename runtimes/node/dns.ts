/**
 * DNS lookups for node discovery, on node:dns. `RAFTLITE_DNS_SERVER` (`host:port`) sends them to
 * one server instead of the system's (a test's dnsmasq on a loopback port, say).
 */
import { Resolver } from 'node:dns/promises'
import type { DnsResolver } from '../../src/ports/dns.ts'

export function nodeDnsResolver(server = process.env.RAFTLITE_DNS_SERVER): DnsResolver {
  const resolver = new Resolver({ timeout: 2000, tries: 2 })
  if (server) resolver.setServers([server])
  return {
    async addresses(name) {
      // Either family may be missing (or refused, by a server that knows only one): whichever answers counts.
      const answers = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)])
      const found = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []))
      if (found.length > 0) return found
      const failure = answers.find((a) => a.status === 'rejected' && !['ENODATA', 'ENOTFOUND'].includes((a.reason as { code?: string }).code ?? ''))
      throw failure ? (failure as PromiseRejectedResult).reason : new Error(`${name} has no A or AAAA records`)
    },
    async srv(name) {
      return (await resolver.resolveSrv(name)).map((r) => ({ target: r.name, port: r.port }))
    },
  }
}
