// A runtime whose adapter cannot do TLS refuses the TLS flags clearly, before opening anything,
// rather than serving plain HTTP; one that can do only part of it refuses the rest the same way.
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

test('a flag the runtime declares it cannot honour is refused before anything is served', async () => {
  const lines: string[] = []
  let served = 0
  const seen: unknown[] = []
  const code = await runDaemon(['-http-cert', '/c.pem', '-http-key', '/k.pem', '-http-verify-client', '/data'], {
    platform: platformWith(new MemoryFilePort(), { runtime: { name: 'deno', version: '2.9.6' } }),
    serve: async () => (served++, { close: async () => {} }),
    tls: true,
    peerTls: () => ({ fetch, close: () => {} }),
    tlsRefusal: (tls) => (seen.push(tls), tls.api?.verifyClient ? '-http-verify-client: not supported here' : null),
    onShutdownSignal: () => {},
    stderr: (l) => lines.push(l),
    stdout: (l) => lines.push(l),
  })
  expect(code).toBe(1)
  expect(served).toBe(0)
  expect(seen).toEqual([{ api: { certFile: '/c.pem', keyFile: '/k.pem', caFile: '', verifyClient: true, verifyCommonName: '' }, cluster: null, client: null }])
  expect(lines).toEqual(['fatal: -http-verify-client: not supported here'])
})
