/**
 * The internode service, served on the Raft address: Raft messages, and the cluster RPCs
 * (forwarding, joins, metadata). Separate from the public API so an application that mounts
 * `node.api()` never exposes these by accident.
 */
import { Hono, type MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import type { ClusterNode } from '../node/node-api-port.ts'
import type { RpcRequest } from './rpc.ts'
import { CBOR_TYPE, SENDER_HEADER, SNAPSHOT_ENCODING_HEADER, SNAPSHOT_HEADER, decodeMessages, decodeWire, encodeWire, fromBase64, parseSender } from './wire.ts'
import type { Message } from '../raft/messages.ts'
import type { Member } from './members.ts'
import { SnapshotStreamError } from './snapshot-stream.ts'
import { RequestError } from '../api/request-error.ts'
import { readBodyBytes } from '../http/read-body.ts'
import { messageBatchLimit, rpcBodyLimit } from './body-limits.ts'
import { checkMessage } from './message-shape.ts'
import { checkRpcRequest } from './rpc-shape.ts'
import { checkMembers } from './member-shape.ts'
import { AUTH_HEADER, CONTENT_HEADER, requestToken } from './cluster-auth.ts'
import { advertisedApiAddr, apiUrl } from '../node/api-url.ts'

/** The stream route, bound to the runtime's WebSocket upgrade once the runtime provides it. */
export interface ClusterApi {
  app: Hono
  enableStreams(upgradeWebSocket: UpgradeWebSocket): void
}

export function clusterApi(node: ClusterNode): ClusterApi {
  const app = new Hono()
  const messagesLimit = messageBatchLimit(node.options.raftMaxBatchBytes, node.options.httpMaxBodyBytes)
  const rpcLimit = rpcBodyLimit(node.options.httpMaxBodyBytes)
  // Bodies are read with a limit (never whole first) and decoded into checked shapes: peers,
  // members included, are untrusted. A refusal answers 4xx and never reaches Raft.
  const refuse = (c: { text(t: string, s: 400 | 413): Response }, what: string, e: unknown) =>
    e instanceof RequestError && e.status === 413 ? c.text(`${e.message}\n`, 413) : c.text(`${what}: ${e instanceof Error ? e.message : String(e)}\n`, 400)
  const auth = node.clusterAuth
  // Only members: with a cluster secret, every request must be signed with it (before any body
  // is read); a signed body must be the one signed.
  if (auth) {
    app.use('*', async (c, next) => {
      const { token, parts } = requestToken(c.req.method, new URL(c.req.url), c.req.header(AUTH_HEADER))
      const refusal = auth.verify({ ...parts, sender: c.req.header(SENDER_HEADER), snapshot: c.req.header(SNAPSHOT_HEADER), content: c.req.header(CONTENT_HEADER) }, token)
      if (!refusal) return next()
      const unreported = auth.reportRefusal()
      if (unreported !== null) {
        const more = unreported > 0 ? ` (and ${unreported} more since the last report)` : ''
        node.dispatchEvent(new CustomEvent('error', { detail: new Error(`refused a request to the cluster port (${c.req.method} ${c.req.path}): ${refusal}${more}`) }))
      }
      return c.text(`cluster authentication failed: ${refusal}\n`, 401)
    })
  }
  const readBody = async (c: { req: { raw: Request; header(name: string): string | undefined } }, limit: number): Promise<Uint8Array> => {
    const bytes = await readBodyBytes(c.req.raw, limit)
    if (auth && !(await auth.bodyMatches(c.req.header(CONTENT_HEADER), bytes))) throw new Error('the body is not the one signed')
    return bytes
  }
  // Every refusal past the secret check is logged with its reason: a member sending what is
  // refused is worth knowing. (Requests without the secret are reported, rate-limited, above.)
  const log = node.logger.for('cluster')
  app.use('*', async (c, next) => {
    await next()
    if (c.res.status < 400) return
    const reason = (await c.res.clone().text()).trim().slice(0, 300)
    log.info('cluster request refused', { method: c.req.method, path: c.req.path, status: c.res.status, reason, sender: c.req.header(SENDER_HEADER) })
  })
  let stream: MiddlewareHandler | null = null
  // Raft messages over one WebSocket per peer: no request per batch. The sender names itself
  // in the query string (a browser-style WebSocket cannot set headers).
  app.get('/raft/stream', async (c, next) => {
    if (!stream) return c.text('streams are not enabled on this node\n', 404)
    return (await stream(c, next)) ?? undefined
  })
  app.post('/raft/messages', async (c) => {
    let messages
    try {
      messages = decodeMessages(await readBody(c, messagesLimit))
    } catch (e) {
      return refuse(c, 'bad message batch', e)
    }
    const sender = parseSender(c.req.header(SENDER_HEADER))
    if (sender) node.learnAddress(sender.id, sender.raftAddr)
    const refused = node.stepMessages(messages)
    if (refused) return c.text(`${refused}\n`, 400)
    return c.body(null, 204)
  })
  app.get('/raft/snapshot/offset', (c) =>
    c.json({ bytes: node.snapshotResumeOffset(Number(c.req.query('index')), Number(c.req.query('term'))) }),
  )
  app.post('/raft/snapshot', async (c) => {
    const sender = parseSender(c.req.header(SENDER_HEADER))
    if (sender) node.learnAddress(sender.id, sender.raftAddr)
    let header: { message: Message; members: Member[]; offset?: number }
    try {
      header = decodeWire(fromBase64(c.req.header(SNAPSHOT_HEADER) ?? ''))
      checkMessage(header.message)
      header.members = checkMembers(header.members)
      if (header.offset !== undefined && (!Number.isSafeInteger(header.offset) || header.offset < 0)) throw new Error('bad offset')
    } catch {
      return c.text('bad snapshot header\n', 400)
    }
    const raw = c.req.raw.body
    if (!raw) return c.text('empty snapshot body\n', 400)
    const encoding = c.req.header(SNAPSHOT_ENCODING_HEADER)
    if (encoding !== undefined && encoding !== 'gzip') return c.text('unknown snapshot encoding\n', 400)
    // Decompressed as it is read: the frames are checked (and bounded) the same either way.
    const body = encoding === 'gzip' ? raw.pipeThrough(new DecompressionStream('gzip')) : raw
    if (encoding === 'gzip') node.counters.add('store', 'num_snapshot_transfers_compressed')
    try {
      await node.receiveSnapshot(header.message, header.members, body, header.offset ?? 0)
    } catch (e) {
      if (e instanceof SnapshotStreamError) return c.text(`${e.message}\n`, 400)
      throw e
    }
    return c.body(null, 204)
  })
  app.post('/cluster/rpc', async (c) => {
    let request: RpcRequest
    try {
      request = checkRpcRequest(decodeWire<unknown>(await readBody(c, rpcLimit)))
    } catch (e) {
      return refuse(c, 'bad request', e)
    }
    const response = await node.handleRpc(request)
    return c.body(encodeWire(response) as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': CBOR_TYPE })
  })
  app.get('/cluster/meta', (c) => c.json({ id: node.id, api_addr: apiUrl(advertisedApiAddr(node.options)), addr: node.options.raftAdvAddr }))
  app.all('*', (c) => c.body(null, 404))
  return {
    app,
    enableStreams(upgradeWebSocket) {
      stream = upgradeWebSocket((c) => {
        const sender = parseSender(c.req.query('from'))
        if (sender) node.learnAddress(sender.id, sender.raftAddr)
        // Frames are handled one after another: decoding a Blob is asynchronous, and Raft
        // messages from one peer should keep their order when they can.
        let chain: Promise<void> = Promise.resolve()
        return {
          onMessage(event, ws) {
            chain = chain.then(async () => {
              try {
                const bytes = await frameBytes(event.data)
                if (bytes.byteLength > messagesLimit) {
                  ws.close(1009, 'frame too large')
                  throw new Error(`a Raft stream frame of ${bytes.byteLength} bytes (limit ${messagesLimit}); stream closed`)
                }
                const refused = node.stepMessages(decodeMessages(bytes))
                if (refused) throw new Error(refused)
              } catch (e) {
                node.dispatchEvent(new CustomEvent('error', { detail: e }))
              }
            })
          },
        }
      })
    },
  }
}

async function frameBytes(data: unknown): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer())
  if (Array.isArray(data)) return frameBytes(new Blob(data as BlobPart[]))
  throw new Error('a text frame on the Raft stream')
}
