// The internode decoders take any bytes: Raft message batches, RPC requests and answers, and
// snapshot members are either checked shapes (that check again the same) or refused with an
// Error saying why, never a crash of another kind.
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { checkMembers } from '../../src/cluster/member-shape.ts'
import { checkMessage } from '../../src/cluster/message-shape.ts'
import { checkRpcRequest, checkRpcResponse } from '../../src/cluster/rpc-shape.ts'
import { decodeMessages, decodeWire, encodeMessages, encodeWire } from '../../src/cluster/wire.ts'
import { fuzzRuns, fuzzSeed, fuzzTimeout, report } from './fuzz-runs.ts'

const MESSAGE_TYPES = ['append', 'appendResp', 'vote', 'preVote', 'voteResp', 'preVoteResp', 'heartbeat', 'heartbeatResp', 'snapshot', 'timeoutNow', 'readIndex', 'readIndexResp', 'bogus']
const scalar = fc.oneof(fc.integer({ min: -3, max: 1e6 }), fc.double(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 8 }))
const entry = fc.record({ index: scalar, term: scalar, type: fc.oneof(fc.constantFrom('normal', 'confChange', 'x'), scalar), data: scalar }, { requiredKeys: [] })
const messageLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...MESSAGE_TYPES), scalar),
    from: fc.oneof(fc.constantFrom('1', '2'), scalar),
    to: fc.oneof(fc.constantFrom('1', '2'), scalar),
    term: fc.oneof(fc.nat(10), scalar),
    index: fc.oneof(fc.nat(10), scalar),
    logTerm: fc.oneof(fc.nat(10), scalar),
    commit: fc.oneof(fc.nat(10), scalar),
    entries: fc.oneof(fc.array(entry, { maxLength: 3 }), scalar),
    reject: fc.oneof(fc.boolean(), scalar),
    rejectHint: fc.oneof(fc.nat(10), scalar),
    transfer: fc.oneof(fc.boolean(), scalar),
    context: fc.oneof(fc.string({ maxLength: 4 }), scalar),
    sentAt: fc.oneof(fc.nat(10), scalar),
  },
  { requiredKeys: [] },
)
const OPS = ['execute', 'query', 'request', 'join', 'remove', 'transfer', 'meta', 'notify', 'nope']
const statement = fc.record({ sql: fc.oneof(fc.string({ maxLength: 10 }), scalar), positional: fc.oneof(fc.array(scalar, { maxLength: 3 }), scalar), named: fc.oneof(fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 2 }), scalar) }, { requiredKeys: [] })
const rpcLike = fc.record(
  {
    op: fc.oneof(fc.constantFrom(...OPS), scalar),
    statements: fc.oneof(fc.array(statement, { maxLength: 3 }), scalar),
    transaction: fc.oneof(fc.boolean(), scalar),
    timeoutMs: fc.oneof(fc.nat(1000), scalar),
    level: fc.oneof(fc.constantFrom('none', 'weak', 'strong', 'linearizable', 'auto'), scalar),
    id: fc.oneof(fc.string({ maxLength: 4 }), scalar),
    raftAddr: fc.oneof(fc.string({ maxLength: 8 }), scalar),
    apiAddr: fc.oneof(fc.string({ maxLength: 8 }), scalar),
    voter: fc.oneof(fc.boolean(), scalar),
    wait: fc.oneof(fc.boolean(), scalar),
    queueId: fc.oneof(fc.record({ origin: fc.oneof(fc.string({ maxLength: 4 }), scalar), sequence: scalar }), scalar),
    credentials: fc.oneof(fc.record({ username: fc.oneof(fc.string({ maxLength: 4 }), scalar), password: fc.oneof(fc.string({ maxLength: 4 }), scalar) }), scalar),
  },
  { requiredKeys: [] },
)
const memberLike = fc.record({ id: fc.oneof(fc.string({ maxLength: 3 }), scalar), raftAddr: fc.oneof(fc.string({ maxLength: 8 }), scalar), apiAddr: fc.oneof(fc.string({ maxLength: 8 }), scalar), voter: fc.oneof(fc.boolean(), scalar) }, { requiredKeys: [] })

/** Either a value `check` accepts, which it then accepts again unchanged, or an Error. */
function refusedOrStable<T>(check: (v: unknown) => T, value: unknown, again: (accepted: T) => unknown = (a) => decodeWire(encodeWire(a))): void {
  let accepted: T
  try {
    accepted = check(value)
  } catch (e) {
    expect(e).toBeInstanceOf(Error)
    expect((e as Error).message.length).toBeGreaterThan(0)
    return
  }
  expect(check(again(accepted))).toEqual(accepted)
}

test('Raft message batches: random bytes and message-shaped values', () => {
  const runs = fuzzRuns(3000)
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(fc.oneof(messageLike, scalar), { maxLength: 4 }).map((v) => encodeWire(v))), (bytes) => {
      refusedOrStable((b) => decodeMessages(b as Uint8Array), bytes, (messages) => encodeMessages(messages))
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  fc.assert(fc.property(messageLike, (m) => refusedOrStable(checkMessage, decodeWire(encodeWire(m)))), { numRuns: runs, seed: fuzzSeed() })
  report('Raft messages (bytes + shaped)', 2 * runs)
}, fuzzTimeout())

test('cluster RPC requests and answers, and snapshot members', () => {
  const runs = fuzzRuns(3000)
  fc.assert(fc.property(fc.oneof(rpcLike, fc.anything()), (r) => refusedOrStable(checkRpcRequest, decodeWire(encodeWire(r)))), { numRuns: runs, seed: fuzzSeed() })
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
      try {
        checkRpcRequest(decodeWire(bytes))
      } catch (e) {
        expect(e).toBeInstanceOf(Error)
      }
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  fc.assert(
    fc.property(fc.oneof(fc.record({ ok: fc.oneof(fc.boolean(), scalar), error: scalar, results: fc.oneof(fc.array(scalar), scalar), raftIndex: scalar }, { requiredKeys: [] }), fc.anything()), (r) => {
      try {
        const checked = checkRpcResponse(decodeWire(encodeWire(r)))
        expect(typeof checked.ok).toBe('boolean')
        if (!checked.ok) expect(typeof checked.error).toBe('string')
      } catch (e) {
        expect(e).toBeInstanceOf(Error)
      }
    }),
    { numRuns: runs, seed: fuzzSeed() },
  )
  fc.assert(fc.property(fc.oneof(fc.array(memberLike, { maxLength: 4 }), fc.anything()), (m) => refusedOrStable(checkMembers, decodeWire(encodeWire(m)))), { numRuns: runs, seed: fuzzSeed() })
  report('RPC requests, answers, members', 4 * runs)
}, fuzzTimeout())
