/**
 * Validates a decoded Raft message field by field before it may reach the core: the core trusts
 * its input (a missing index would corrupt its state, a bad snapshot stop the node).
 */
import type { Message } from '../raft/messages.ts'
import { ShapeError, bytes, count, flag, list, object, text, texts } from './shape-check.ts'

export function checkMessage(value: unknown): Message {
  const m = object(value, 'message')
  const type = text(m, 'type', 'message')
  const what = `${type} message`
  text(m, 'from', what)
  text(m, 'to', what)
  count(m, 'term', what)
  switch (type) {
    case 'append': {
      const index = count(m, 'index', what)
      const logTerm = count(m, 'logTerm', what)
      count(m, 'commit', what)
      checkEntries(list(m, 'entries', what), index, logTerm, count(m, 'term', what))
      break
    }
    case 'appendResp':
      count(m, 'index', what); count(m, 'rejectHint', what); count(m, 'logTerm', what); flag(m, 'reject', what)
      break
    case 'vote':
    case 'preVote':
      count(m, 'index', what); count(m, 'logTerm', what); flag(m, 'transfer', what)
      break
    case 'voteResp':
    case 'preVoteResp':
      flag(m, 'reject', what)
      break
    case 'heartbeat':
      count(m, 'commit', what); text(m, 'context', what); count(m, 'sentAt', what)
      break
    case 'heartbeatResp':
      text(m, 'context', what); count(m, 'sentAt', what)
      break
    case 'snapshot': {
      const snapshot = object(m.snapshot, what + '.snapshot')
      const meta = object(snapshot.metadata, 'snapshot.metadata')
      count(meta, 'index', 'snapshot.metadata'); count(meta, 'term', 'snapshot.metadata')
      const conf = object(meta.confState, 'snapshot.metadata.confState')
      texts(conf, 'voters', 'confState'); texts(conf, 'learners', 'confState')
      bytes(snapshot, 'data', 'snapshot')
      break
    }
    case 'timeoutNow':
      break
    case 'readIndex':
      text(m, 'context', what)
      break
    case 'readIndexResp':
      text(m, 'context', what); count(m, 'index', what)
      break
    default:
      throw new ShapeError(`unknown message type ${JSON.stringify(type).slice(0, 40)}`)
  }
  return m as unknown as Message
}

/**
 * A leader's entries follow its prev entry one by one, their terms never go down and none is
 * newer than its own term. Entries that break this would reach the log store, which refuses
 * them as it persists: a failed persist, which stops the node.
 */
function checkEntries(entries: unknown[], prevIndex: number, prevTerm: number, term: number): void {
  let index = prevIndex
  let last = prevTerm
  for (const value of entries) {
    const e = object(value, 'entry')
    const i = count(e, 'index', 'entry')
    const t = count(e, 'term', 'entry')
    bytes(e, 'data', 'entry')
    if (e.type !== 'normal' && e.type !== 'confChange') throw new ShapeError('entry.type is neither normal nor confChange')
    if (i !== ++index) throw new ShapeError(`entry ${i} where entry ${index} belongs`)
    if (t < last || t > term) throw new ShapeError(`entry ${i} of term ${t} after term ${last}, sent in term ${term}`)
    last = t
  }
}
