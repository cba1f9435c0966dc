/**
 * The client WebSocket a node opens to each peer: the web-standard subset that Deno's and Bun's
 * global WebSocket and Node's `ws` package all implement. Runtimes without one simply don't
 * provide it, and Raft messages travel by HTTP POST.
 */
export interface WebSocketLike {
  readonly readyState: number
  readonly bufferedAmount: number
  binaryType: string
  send(data: Uint8Array): void
  close(): void
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

export type OpenWebSocket = (url: string) => WebSocketLike

/** WebSocket.OPEN */
export const WEB_SOCKET_OPEN = 1
