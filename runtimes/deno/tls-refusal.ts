import type { DaemonRuntime } from '../../src/daemon/run-daemon.ts'

const reason = (flag: string, why: string) => `${flag}: not supported by raftlited on Deno: ${why} (run this node on Node or Bun, or terminate TLS in front of it)`

/** The TLS flags Deno's APIs cannot honour; the others (HTTPS, client certificates to peers, reload) work. */
export const denoTlsRefusal: NonNullable<DaemonRuntime['tlsRefusal']> = ({ api, cluster, client }) => {
  if (api?.verifyClient) return reason('-http-verify-client', 'Deno.serve cannot request or verify client certificates')
  if (cluster?.verifyClient) return reason('-node-verify-client', 'Deno.serve cannot request or verify client certificates; with -node-cert, use -cluster-secret-file to keep non-members out')
  if (client?.noVerify) return reason('-node-no-verify', 'Deno.createHttpClient cannot skip certificate verification')
  if (client?.verifyServerName) return reason('-node-verify-server-name', "Deno's fetch verifies the name it dials and cannot be given another")
  if (client?.verifyCommonName) return reason('-node-verify-common-name', "Deno's fetch does not expose the peer's certificate")
  return null
}
