import { createServer } from 'node:net'

// Below the kernel's ephemeral range (32768-60999 on Linux): a port taken from that range with
// listen(0) can be handed out again a moment later as the source port of an outgoing
// connection (any test's fetch, a node dialing a peer), and the process that was to listen
// on it then fails with EADDRINUSE. Ports here are only ever taken by someone listening.
const LOW = 20_000
const HIGH = 32_000

// A port is free only until its process listens, a second or more later on a loaded machine,
// and a node killed to be restarted leaves its ports free meanwhile: a probe cannot see either.
// So a port is handed out once per process (the last 1,500 at least), and each vitest worker (VITEST_POOL_ID, 1 to
// maxWorkers) draws from its own slice, so that two files running side by side never meet.
const SLICES = 4
const pool = Number(process.env.VITEST_POOL_ID)
const [from, to] = Number.isInteger(pool) && pool >= 1 ? slice((pool - 1) % SLICES) : [LOW, HIGH]
const handedOut = new Set<number>()

function slice(i: number): [number, number] {
  const width = Math.floor((HIGH - LOW) / SLICES)
  return [LOW + i * width, LOW + (i + 1) * width]
}

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, outside the ephemeral range, never
 * handed out before by this process nor by another vitest worker.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from))
    if (handedOut.has(port)) continue
    handedOut.add(port) // taken even when busy: someone else holds it
    // A long run (a benchmark) forgets its oldest ports rather than run out.
    if (handedOut.size > (to - from) / 2) handedOut.delete(handedOut.values().next().value!)
    if (await tryListen(port)) return port
  }
  throw new Error(`no free port found in ${from}-${to}`)
}
