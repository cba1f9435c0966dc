import type { DaemonRuntime } from '../../src/daemon/run-daemon.ts'

const reason = (flag: string, why: string) => `${flag}: not supported by raftlited on Bun: ${why} (run this node on Node, or terminate TLS in front of it)`

/** The TLS flags Bun's APIs cannot honour; the others (HTTPS, mutual TLS, reload) work. */
export const bunTlsRefusal: NonNullable<DaemonRuntime['tlsRefusal']> = ({ api, cluster, client }) => {
  if (api?.verifyClient && api.verifyCommonName) return reason('-http-verify-common-name', 'Bun.serve does not expose the client certificate to check its common name')
  if (cluster?.verifyClient && cluster.verifyCommonName) return reason('-node-verify-common-name', 'Bun.serve does not expose the client certificate to check its common name')
  if (client?.verifyServerName) return reason('-node-verify-server-name', "Bun's fetch cannot be told a server name other than the one it dials")
  return null
}
