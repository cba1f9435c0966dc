// A runtime whose adapter cannot do TLS (Deno and Bun today) refuses the TLS flags clearly,
// before opening anything, rather than serving plain HTTP.
import { expect, test } from 'vitest'
import { runDaemon } from '../../src/daemon/run-daemon.ts'
import { platformWith } from '../../src/node/platform.ts'
import { MemoryFilePort } from '../../src/storage/memory-file-port.ts'

test.each([
  [['-http-cert', '/c.pem', '-http-key', '/k.pem'], '-http-cert'],
  [['-node-cert', '/c.pem', '-node-key', '/k.pem'], '-node-cert'],
])('%s is refused on a runtime without TLS', async (flags, flag) => {
  const lines: string[] = []
  let served = 0
  const code = await runDaemon([...flags, '/data'], {
    platform: platformWith(new MemoryFilePort(), { runtime: { name: 'deno', version: '2.9.6' } }),
    serve: async () => (served++, { close: async () => {} }),
    onShutdownSignal: () => {},
    stderr: (l) => lines.push(l),
    stdout: (l) => lines.push(l),
  })
  expect(code).toBe(1)
  expect(served).toBe(0)
  expect(lines).toEqual([`fatal: ${flag}: TLS is not supported by raftlited on deno yet (run it on Node, or terminate TLS in front of the node)`])
})
