// Stands in for a cluster's DNS when deployment files run as processes on loopback: preloaded
// with NODE_OPTIONS=--import, it resolves the names in LOOPBACK_HOSTS (JSON: name → 127.x.y.z)
// and leaves every other name to the system. The processes keep the files' names in their
// flags, as in the cluster; only what a name resolves to is ours (and changes on a "restart").
// Plain .mjs: it loads before tsx.
import dns from 'node:dns'

const hosts = JSON.parse(process.env.LOOPBACK_HOSTS || '{}')
const system = dns.lookup

dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') [callback, options] = [options, {}]
  const address = hosts[hostname]
  if (address === undefined) return system.call(this, hostname, options, callback)
  const all = typeof options === 'object' && options?.all
  process.nextTick(() => (all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4)))
  return {}
}
