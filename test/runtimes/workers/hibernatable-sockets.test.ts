// What the Durable Object's WebSocket handlers do with a socket the instance never accepted: the
// runtime keeps hibernatable sockets across an eviction of the object's memory, so a new instance
// can get frames for a stream whose route events are gone. (Accepted streams carrying Raft
// traffic are tested in workerd: mixed-cluster.test.ts.) The socket is a stand-in recording
// what is done to it; workerd's WebSocketPair does not exist in Node.
import { expect, test } from 'vitest'
import { HibernatableSockets } from '../../../runtimes/workers/hibernatable-sockets.ts'

function socket(options: { closeThrows?: boolean } = {}) {
  const closed: Array<[number, string]> = []
  const ws = {
    readyState: 1,
    close(code: number, reason: string) {
      if (options.closeThrows) throw new TypeError('WebSocket already closed')
      closed.push([code, reason])
    },
  } as unknown as WebSocket
  return { ws, closed }
}

const state = { acceptWebSocket: () => { throw new Error('not expected') } } as unknown as DurableObjectState

test('a frame on a socket this instance never accepted closes it (1012) so the peer reopens', () => {
  const sockets = new HibernatableSockets(state)
  const { ws, closed } = socket()
  sockets.message(ws, new Uint8Array([1, 2, 3]).buffer)
  expect(closed).toEqual([[1012, 'node restarted']])
  expect(sockets.stats).toEqual({ accepted: 0, messages: 0, orphaned: 1 })
  expect(sockets.open).toBe(0)
})

test('a close or error on an unknown socket completes the close and throws nothing, even when closing fails', () => {
  const sockets = new HibernatableSockets(state)
  const { ws, closed } = socket()
  sockets.close(ws, 1006, '', false)
  // 1006 (abnormal) cannot be sent: the close is answered with 1000.
  expect(closed).toEqual([[1000, '']])
  const failing = socket({ closeThrows: true })
  expect(() => sockets.close(failing.ws, 1001, 'going away', true)).not.toThrow()
  expect(() => sockets.message(failing.ws, 'text')).not.toThrow()
  expect(sockets.stats.orphaned).toBe(1)
  expect(() => sockets.error(failing.ws, new Error('reset'))).not.toThrow()
})
