import { createNodeWebSocket } from '@hono/node-ws'
import type { RaftliteNode } from '../../src/node/raftlite-node.ts'
import type { Server } from 'node:http'
import { type NodeServeOptions, type Served, serveHttp } from './serve.ts'

/** Serves a node's cluster port, with Raft streams over WebSockets (`ws` under @hono/node-ws). */
export async function serveCluster(node: RaftliteNode, addr: string, options: NodeServeOptions = {}): Promise<Served> {
  const app = node.clusterApi()
  const sockets = createNodeWebSocket({ app })
  node.enableRaftStreams(sockets.upgradeWebSocket)
  const served = await serveHttp(app, addr, (server) => sockets.injectWebSocket(server as Server), options)
  return {
    port: served.port,
    async close() {
      for (const client of sockets.wss.clients) client.terminate() // upgraded sockets outlive server.close()
      await served.close()
    },
  }
}
