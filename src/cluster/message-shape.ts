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
    case 'append':
      count(m, 'index', what); count(m, 'logTerm', what); count(m, 'commit', what)
      list(m, 'entries', what).forEach((e) => checkEntry(e))
      break
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

function checkEntry(value: unknown): void {
  const e = object(value, 'entry')
  count(e, 'index', 'entry'); count(e, 'term', 'entry'); bytes(e, 'data', 'entry')
  if (e.type !== 'normal' && e.type !== 'confChange') throw new ShapeError('entry.type is neither normal nor confChange')
}
