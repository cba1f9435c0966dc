/**
 * Connection limits on a Node server: at most N open connections per client address (the next
 * is answered 429 and closed), and Node's own timeouts for slow headers and slow requests
 * (answered 408 by Node).
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionLimits } from '../../src/http/connection-limits.ts'

/**
 * Node's timeouts for slow clients, given when the server is made: Node checks them every
 * `connectionsCheckingInterval` (30 s by default, too coarse for a 10 s header timeout).
 */
export function timeoutOptions(limits: ConnectionLimits): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs || Infinity)
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(shortest / 4))),
  }
}

export function guardConnections(server: Server, limits: ConnectionLimits, event: 'connection' | 'secureConnection' = 'connection'): void {
  if (limits.maxConnsPerClient <= 0) return
  const open = new Map<string, number>()
  server.on(event, (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    const count = (open.get(address) ?? 0) + 1
    if (count > limits.maxConnsPerClient) {
      const body = `too many connections from ${address} (at most ${limits.maxConnsPerClient})\n`
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      socket.destroySoon()
      return
    }
    open.set(address, count)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left > 0) open.set(address, left)
      else open.delete(address)
    })
  })
}
