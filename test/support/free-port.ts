import { createServer } from 'node:net'

// Below the kernel's ephemeral range (32768-60999 on Linux): a port taken from that range with
// listen(0) can be handed out again a moment later as the source port of an outgoing
// connection (any test's fetch, a node dialing a peer), and the process that was to listen
// on it then fails with EADDRINUSE. Ports here are only ever taken by someone listening.
const LOW = 20_000
const HIGH = 32_000

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A TCP port on 127.0.0.1 that was free a moment ago, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW))
    if (await tryListen(port)) return port
  }
  throw new Error(`no free port found in ${LOW}-${HIGH}`)
}
