/** The parsed JSON shapes of change data capture (compat doc §4), for library users. */

export type RowImage = Record<string, number | string | null>

export interface ChangeEventJson {
  op: 'INSERT' | 'UPDATE' | 'DELETE'
  table?: string
  old_row_id?: number
  new_row_id?: number
  /** BLOBs are base64 strings; integers beyond 2^53 lose precision here (the wire text is exact). */
  before?: RowImage
  after?: RowImage
  error?: string
}

/** One log entry's events: an element of the webhook envelope's `payload`. */
export interface ChangeGroupJson {
  index: number
  commit_timestamp: number
  events: ChangeEventJson[]
}

export interface ChangeEnvelopeJson {
  service_id?: string
  node_id: string
  payload: ChangeGroupJson[]
}
