// The listener restart that gives Deno and Bun certificate reload, with a recording listener in
// place of the runtime's: a good new pair replaces the old one on the same port; a pair the
// runtime refuses, or a port that cannot be bound again, keeps the node serving the old pair.
import { copyFileSync, readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { type PemMaterial, type TlsListener, serveTlsRestarting } from '../../runtimes/node/tls-restart.ts'
import { waitFor } from '../support/cluster-processes.ts'
import { makeTestCa } from '../support/test-certs.ts'

interface Recorder {
  listening: { cert: string; port: number; stopped: boolean }[]
  refuse: (m: PemMaterial, port: number) => string | null
  listen: (m: PemMaterial, port: number) => TlsListener
}

function recorder(): Recorder {
  const r: Recorder = {
    listening: [],
    refuse: () => null,
    listen(m, port) {
      const why = r.refuse(m, port)
      if (why) throw new Error(why)
      const entry = { cert: m.cert, port: port || 40000 + r.listening.length, stopped: false }
      r.listening.push(entry)
      return { port: entry.port, stop: async () => void (entry.stopped = true) }
    },
  }
  return r
}

const live = (r: Recorder) => r.listening.filter((l) => !l.stopped && l.port === 4443)

test('a renewed pair restarts the listener on the same port; a refused pair keeps the old one', async () => {
  const ca = makeTestCa()
  const served = ca.issue('served')
  const original = readFileSync(served.cert, 'utf8')
  const r = recorder()
  const errors: string[] = []
  const server = serveTlsRestarting({ certFile: served.cert, keyFile: served.key, caFile: '', verifyClient: false, verifyCommonName: '' }, 4443, r.listen, (e) => errors.push(e))
  expect(live(r).map((l) => l.cert)).toEqual([original])

  const renewed = ca.issue('renewed')
  copyFileSync(renewed.key, served.key)
  copyFileSync(renewed.cert, served.cert)
  await waitFor('the renewed pair to be served', async () => live(r)[0]?.cert === readFileSync(renewed.cert, 'utf8'))
  expect(live(r)).toHaveLength(1)

  // The runtime refuses the next pair (on the throwaway listener): the renewed one stays.
  r.refuse = (_m, port) => (port === 0 ? 'No certificates found in certificate data' : null)
  const third = ca.issue('third')
  copyFileSync(third.key, served.key)
  copyFileSync(third.cert, served.cert)
  await waitFor('the refusal to be reported', async () => errors.some((e) => e.includes('No certificates found') && e.includes('keeping the previous certificate')))
  expect(live(r).map((l) => l.cert)).toEqual([readFileSync(renewed.cert, 'utf8')])
  await server.close()
  expect(live(r)).toHaveLength(0)
}, 30_000)

test('when the port cannot be bound again, the old pair is served again there and the failure reported', async () => {
  const ca = makeTestCa()
  const served = ca.issue('served')
  const original = readFileSync(served.cert, 'utf8')
  const r = recorder()
  const errors: string[] = []
  const server = serveTlsRestarting({ certFile: served.cert, keyFile: served.key, caFile: '', verifyClient: false, verifyCommonName: '' }, 4443, r.listen, (e) => errors.push(e))
  const renewed = ca.issue('renewed')
  const renewedPem = readFileSync(renewed.cert, 'utf8')
  r.refuse = (m, port) => (port === 4443 && m.cert === renewedPem ? 'AddrInUse: address already in use' : null)
  copyFileSync(renewed.key, served.key)
  copyFileSync(renewed.cert, served.cert)
  await waitFor('the failed restart to be reported', async () => errors.some((e) => e.includes('cannot restart the TLS listener on port 4443') && e.includes('AddrInUse')))
  expect(live(r).map((l) => l.cert)).toEqual([original])
  await server.close()
}, 30_000)

test('when not even the old pair can be bound again, the listener is reported down and close still works', async () => {
  const ca = makeTestCa()
  const served = ca.issue('served')
  const r = recorder()
  const errors: string[] = []
  const server = serveTlsRestarting({ certFile: served.cert, keyFile: served.key, caFile: '', verifyClient: false, verifyCommonName: '' }, 4443, r.listen, (e) => errors.push(e))
  r.refuse = (_m, port) => (port === 4443 ? 'AddrInUse: address already in use' : null)
  const renewed = ca.issue('renewed')
  copyFileSync(renewed.key, served.key)
  copyFileSync(renewed.cert, served.cert)
  await waitFor('the listener to be reported down', async () => errors.some((e) => e.includes('could not be restarted at all and is down')))
  expect(live(r)).toHaveLength(0)
  await server.close()
}, 30_000)
