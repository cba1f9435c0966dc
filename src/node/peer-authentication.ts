/**
 * How a node proves to its peers that it is a member: with a cluster secret, every request it
 * makes to another node's cluster port (fetch) and every Raft stream it opens (WebSocket URL) is
 * signed. Without one, requests go as they are, and the start says so once.
 */
import { ClusterAuth, signedFetch, signedWebSocketUrl } from '../cluster/cluster-auth.ts'
import { silentLogger } from '../observe/logger.ts'
import type { NodeOptions } from './node-options.ts'
import type { Platform } from './platform.ts'

export interface PeerAuthentication {
  auth: ClusterAuth | null
  fetch: typeof fetch
  /** The platform with WebSockets that sign their upgrade. */
  platform: Platform
}

export function peerAuthentication(options: Pick<NodeOptions, 'clusterSecret'>, platform: Platform, baseFetch: typeof fetch): PeerAuthentication {
  if (!options.clusterSecret) {
    ;(platform.logger ?? silentLogger)
      .for('cluster')
      .warn('no cluster secret set: any process that can reach the Raft address can join the cluster and send it Raft messages; keep that port private, or set -cluster-secret-file')
    return { auth: null, fetch: baseFetch, platform }
  }
  const auth = new ClusterAuth(options.clusterSecret, platform.clock, platform.random)
  const open = platform.openWebSocket
  return {
    auth,
    fetch: signedFetch(auth, baseFetch),
    platform: open ? { ...platform, openWebSocket: (url) => open(signedWebSocketUrl(auth, url)) } : platform,
  }
}
