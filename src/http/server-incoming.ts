/** A server's message: Node's `IncomingMessage` has `rawHeaders` and iterates its body. */
export type ServerIncoming = Record<string, unknown>

/**
 * The server's own message behind a request, where the runtime's server hands one over (Node's
 * `IncomingMessage`, `c.env.incoming` under @hono/node-server) and the request is still the one
 * the server built for it. node-server's request keeps the message under a symbol of its own; a
 * request a middleware put in its place (an app that mounts this API and rewrites
 * `Authorization`, or the body) does not, and must be read as the request it is.
 */
export function serverIncoming(request: Request, env: unknown): ServerIncoming | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming
  if (incoming === null || typeof incoming !== 'object') return undefined
  const held = request as unknown as Record<symbol, unknown>
  for (const key of Object.getOwnPropertySymbols(request)) if (held[key] === incoming) return incoming as ServerIncoming
  return undefined
}
