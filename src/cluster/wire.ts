/** CBOR between nodes: Raft messages and cluster RPCs. */
import { Encoder } from 'cbor-x'
import type { Message } from '../raft/messages.ts'
import { checkMessage } from './message-shape.ts'

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true })

export const CBOR_TYPE = 'application/cbor'

/** Header of a snapshot stream: base64 of CBOR `{ message, members }`. */
export const SNAPSHOT_HEADER = 'X-Raftlite-Snapshot'

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

/** Header carrying `id@raftAddr` of the node that sent a Raft message batch. */
export const SENDER_HEADER = 'X-Raftlite-Sender'

/** `gzip` when the snapshot's frames travel compressed (`-compress-snap-transport`). */
export const SNAPSHOT_ENCODING_HEADER = 'X-Raftlite-Snapshot-Encoding'

export function parseSender(value: string | undefined): { id: string; raftAddr: string } | undefined {
  const at = value?.lastIndexOf('@') ?? -1
  if (!value || at <= 0 || at === value.length - 1) return undefined
  return { id: value.slice(0, at), raftAddr: value.slice(at + 1) }
}

export function encodeWire(value: unknown): Uint8Array {
  return encoder.encode(value)
}

export function decodeWire<T>(bytes: Uint8Array): T {
  return encoder.decode(bytes) as T
}

export function encodeMessages(messages: readonly Message[]): Uint8Array {
  return encoder.encode(messages)
}

/** Decodes a batch of Raft messages, refusing anything that is not one, field by field. */
export function decodeMessages(bytes: Uint8Array): Message[] {
  const value: unknown = encoder.decode(bytes)
  if (!Array.isArray(value)) throw new Error('not a batch of Raft messages')
  return value.map(checkMessage)
}

/**
 * Bytes a message adds to a batch, roughly (entries dominate): what a sender counts to keep
 * batches under the receiver's limit.
 */
export function messageBytes(m: Message): number {
  let size = 64
  if (m.type === 'append') for (const e of m.entries) size += 32 + e.data.byteLength
  if (m.type === 'snapshot') size += 128 + m.snapshot.data.byteLength
  return size
}
