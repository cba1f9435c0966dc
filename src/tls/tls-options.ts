/**
 * TLS as the flags describe it, by file path: runtime adapters (`runtimes/<rt>/`) load the
 * files, serve and connect with them, and pick up a certificate or key rewritten on disk.
 */

/** A TLS server: the API (`-http-*`) or the cluster port (`-node-*`). */
export interface TlsServerOptions {
  certFile: string
  keyFile: string
  /** CA to verify client certificates with; '' for the system's. */
  caFile: string
  /** Require and verify a client certificate (mutual TLS). */
  verifyClient: boolean
  /** With verifyClient: the common name a client certificate must carry; '' for any. */
  verifyCommonName: string
}

/** How a node connects to its peers' cluster ports (`-node-*`). */
export interface TlsClientOptions {
  /** The node's certificate and key, presented to peers (mutual TLS). */
  certFile: string
  keyFile: string
  /** CA to verify peers with; '' for the system's. */
  caFile: string
  /** Skip verifying peers' certificates (`-node-no-verify`): encryption without authentication. */
  noVerify: boolean
  /** Host name to verify on peers' certificates instead of the address dialled; '' for that address. */
  verifyServerName: string
  /** Common name peers' certificates must carry; '' for any. */
  verifyCommonName: string
}

/** The API's TLS from the flags, or null for plain HTTP. */
export function httpTls(flags: { httpCert: string; httpKey: string; httpCaCert: string; httpVerifyClient: boolean; httpVerifyCommonName: string }): TlsServerOptions | null {
  if (!flags.httpCert) return null
  return { certFile: flags.httpCert, keyFile: flags.httpKey, caFile: flags.httpCaCert, verifyClient: flags.httpVerifyClient, verifyCommonName: flags.httpVerifyCommonName }
}

type NodeTlsFlags = { nodeCert: string; nodeKey: string; nodeCaCert: string; nodeNoVerify: boolean; nodeVerifyClient: boolean; nodeVerifyServerName: string; nodeVerifyCommonName: string }

/** The cluster port's TLS from the flags, or null for plain HTTP. */
export function nodeServerTls(flags: NodeTlsFlags): TlsServerOptions | null {
  if (!flags.nodeCert) return null
  return { certFile: flags.nodeCert, keyFile: flags.nodeKey, caFile: flags.nodeCaCert, verifyClient: flags.nodeVerifyClient, verifyCommonName: flags.nodeVerifyCommonName }
}

/** How to reach peers from the flags, or null for plain HTTP. */
export function nodeClientTls(flags: NodeTlsFlags): TlsClientOptions | null {
  if (!flags.nodeCert) return null
  return {
    certFile: flags.nodeCert,
    keyFile: flags.nodeKey,
    caFile: flags.nodeCaCert,
    noVerify: flags.nodeNoVerify,
    verifyServerName: flags.nodeVerifyServerName,
    verifyCommonName: flags.nodeVerifyCommonName,
  }
}
