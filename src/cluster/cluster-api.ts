/**
 * The internode service, served on the Raft address: Raft messages, and the cluster RPCs
 * (forwarding, joins, metadata). Separate from the public API so an application that mounts
 * `node.api()` never exposes these by accident.
 */
import { Hono } from 'hono'
import type { RaftliteNode } from '../node/raftlite-node.ts'
import type { RpcRequest } from './rpc.ts'
import { CBOR_TYPE, SENDER_HEADER, SNAPSHOT_HEADER, decodeMessages, decodeWire, encodeWire, fromBase64, parseSender } from './wire.ts'
import type { Message } from '../raft/messages.ts'
import type { Member } from './members.ts'
import { SnapshotStreamError } from './snapshot-stream.ts'

export function clusterApi(node: RaftliteNode): Hono {
  const app = new Hono()
  app.post('/raft/messages', async (c) => {
    let messages
    try {
      messages = decodeMessages(new Uint8Array(await c.req.arrayBuffer()))
    } catch (e) {
      return c.text(`bad message batch: ${e instanceof Error ? e.message : String(e)}\n`, 400)
    }
    const sender = parseSender(c.req.header(SENDER_HEADER))
    if (sender) node.learnAddress(sender.id, sender.raftAddr)
    node.stepMessages(messages)
    return c.body(null, 204)
  })
  app.post('/raft/snapshot', async (c) => {
    const sender = parseSender(c.req.header(SENDER_HEADER))
    if (sender) node.learnAddress(sender.id, sender.raftAddr)
    let header: { message: Message; members: Member[] }
    try {
      header = decodeWire(fromBase64(c.req.header(SNAPSHOT_HEADER) ?? ''))
    } catch {
      return c.text('bad snapshot header\n', 400)
    }
    const body = c.req.raw.body
    if (!body) return c.text('empty snapshot body\n', 400)
    try {
      await node.receiveSnapshot(header.message, header.members, body)
    } catch (e) {
      if (e instanceof SnapshotStreamError) return c.text(`${e.message}\n`, 400)
      throw e
    }
    return c.body(null, 204)
  })
  app.post('/cluster/rpc', async (c) => {
    let request: RpcRequest
    try {
      request = decodeWire<RpcRequest>(new Uint8Array(await c.req.arrayBuffer()))
    } catch (e) {
      return c.text(`bad request: ${e instanceof Error ? e.message : String(e)}\n`, 400)
    }
    const response = await node.handleRpc(request)
    return c.body(encodeWire(response) as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': CBOR_TYPE })
  })
  app.get('/cluster/meta', (c) => c.json({ id: node.id, api_addr: `http://${node.options.httpAdvAddr}`, addr: node.options.raftAdvAddr }))
  app.all('*', (c) => c.body(null, 404))
  return app
}
