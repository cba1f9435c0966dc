// The slice of the Cloudflare Workers runtime (workerd) raftlite's edge entry uses. Declared here
// rather than through @cloudflare/workers-types, which is not installed (and would clash with DOM).

/** `.wasm` imports: wrangler's CompiledWasm rule turns them into compiled modules. */
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}

interface SqlStorageCursor<T = Record<string, SqlStorageValue>> extends Iterable<T> {
  toArray(): T[]
  one(): T
  readonly rowsWritten: number
}

type SqlStorageValue = ArrayBuffer | string | number | null

interface SqlStorage {
  exec<T = Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T>
  readonly databaseSize: number
}

interface DurableObjectStorage {
  readonly sql: SqlStorage
  get<T>(key: string): Promise<T | undefined>
  put(key: string, value: unknown): Promise<void>
  getAlarm(): Promise<number | null>
  setAlarm(scheduledTime: number): Promise<void>
  deleteAlarm(): Promise<void>
  transactionSync<T>(fn: () => T): T
}

interface DurableObjectState {
  readonly id: DurableObjectId
  readonly storage: DurableObjectStorage
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>
  waitUntil(promise: Promise<unknown>): void
  acceptWebSocket(ws: WebSocket, tags?: string[]): void
}

interface DurableObjectId {
  toString(): string
  readonly name?: string
}

interface DurableObjectStub {
  fetch(request: Request): Promise<Response>
}

interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId
  get(id: DurableObjectId): DurableObjectStub
}

/** workerd's server-side WebSocket pair (`new WebSocketPair()`): [client, server]. */
declare class WebSocketPair {
  0: WebSocket
  1: WebSocket
}

interface WorkerdWebSocket extends WebSocket {
  accept(): void
}

interface ResponseInit {
  webSocket?: WebSocket | null
}
