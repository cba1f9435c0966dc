/**
 * The log entries of a load (`/db/load`, `/boot`, auto-restore): the file travels as chunks,
 * each a `raftlite.load.chunk` command staged in the database on every node, and a
 * `raftlite.load.commit` command swaps the staged file in, all at once (see
 * src/db/database-restore.ts). A load that stops half way leaves only staged chunks, never a
 * mix of old and new data. Entries come from the log, so their payloads are checked like any
 * input: a malformed one fails its apply alike on every node.
 */
import { stageChunk, type StagedLoad } from '../db/database-restore.ts'
import type { Connection } from '../sqlite/connection.ts'

export const LOAD_CHUNK_COMMAND = 'raftlite.load.chunk'
export const LOAD_COMMIT_COMMAND = 'raftlite.load.commit'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })
const MAX_ID_BYTES = 64

/** `[id length: u8][id][seq: u32 BE][data]`. */
export function encodeLoadChunk(id: string, seq: number, data: Uint8Array): Uint8Array {
  const { payload, data: room } = loadChunkPayload(id, seq, data.length)
  room.set(data)
  return payload
}

/**
 * A chunk's payload with `length` bytes of room for its data, to be filled in place (the
 * leader reads the file straight into it: one buffer per chunk, not two).
 */
export function loadChunkPayload(id: string, seq: number, length: number): { payload: Uint8Array; data: Uint8Array } {
  const idBytes = encoder.encode(id)
  if (idBytes.length > MAX_ID_BYTES) throw new Error('load id too long')
  const payload = new Uint8Array(1 + idBytes.length + 4 + length)
  payload[0] = idBytes.length
  payload.set(idBytes, 1)
  new DataView(payload.buffer).setUint32(1 + idBytes.length, seq)
  return { payload, data: payload.subarray(5 + idBytes.length) }
}

export function decodeLoadChunk(payload: Uint8Array): { id: string; seq: number; data: Uint8Array } {
  const idLength = payload[0] ?? 0
  if (idLength === 0 || idLength > MAX_ID_BYTES || payload.length < 5 + idLength) throw new Error('malformed load chunk')
  const id = decoder.decode(payload.subarray(1, 1 + idLength))
  const seq = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(1 + idLength)
  return { id, seq, data: payload.subarray(5 + idLength) }
}

export function encodeLoadCommit(load: StagedLoad): Uint8Array {
  return encoder.encode(JSON.stringify(load))
}

export function decodeLoadCommit(payload: Uint8Array): StagedLoad {
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(payload))
  } catch {
    throw new Error('malformed load commit')
  }
  const { id, chunks, bytes, crc32c } = (parsed ?? {}) as Record<string, unknown>
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_BYTES || !count(chunks) || !count(bytes) || !count(crc32c)) {
    throw new Error('malformed load commit')
  }
  return { id, chunks, bytes, crc32c }
}

/** Stages a chunk (a trusted insert into raftlite's own table). */
export function loadChunkHandler({ payload, connection }: { payload: Uint8Array; connection: Connection }): number {
  const { id, seq, data } = decodeLoadChunk(payload)
  stageChunk(connection, id, seq, data)
  return seq
}
