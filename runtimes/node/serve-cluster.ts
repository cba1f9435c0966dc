import { createNodeWebSocket } from '@hono/node-ws'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import type { Server } from 'node:http'
import { type Served, serveHttp } from './serve.ts'
import type { TlsServerOptions } from '../../src/tls/tls-options.ts'

/** Serves a node's cluster port, with Raft streams over WebSockets (`ws` under @hono/node-ws). */
export async function serveCluster(node: RaftliteNode, addr: string, tls?: TlsServerOptions | null, onError?: (message: string) => void): Promise<Served> {
  const app = node.clusterApi()
  const sockets = createNodeWebSocket({ app })
  node.enableRaftStreams(sockets.upgradeWebSocket)
  const served = await serveHttp(app, addr, (server) => sockets.injectWebSocket(server as Server), tls, onError)
  return {
    port: served.port,
    async close() {
      for (const client of sockets.wss.clients) client.terminate() // upgraded sockets outlive server.close()
      await served.close()
    },
  }
}
