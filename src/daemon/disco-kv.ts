/**
 * Node discovery through a key-value store (`-disco-mode etcd-kv`, `consul-kv`), as rqlite does
 * it: the leader keeps its addresses under one key (`<disco-key>/leader`). A starting node that
 * finds a leader there joins it; one that finds none claims the key (create-if-absent, so only
 * one node wins) and founds the cluster; the others see the winner and join it.
 *
 * etcd through its v3 JSON gateway (`{"endpoints":["host:port"]}`); Consul through its KV HTTP
 * API (`{"address":"host:port","scheme":"http"}`). Plain fetch: nothing runtime-specific.
 */
export interface LeaderRecord {
  id: string
  /** Raft address (what `-join` takes). */
  addr: string
  api_addr: string
}

export interface KvStore {
  get(key: string): Promise<string | undefined>
  /** Writes `value` only if `key` does not exist; whether it did. */
  create(key: string, value: string): Promise<boolean>
  put(key: string, value: string): Promise<void>
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)))
const unb64 = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)))

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`)
  return res
}

export function etcdStore(config: Record<string, unknown>, timeoutMs: number): KvStore {
  const endpoints = Array.isArray(config.endpoints) ? config.endpoints.map(String) : ['localhost:2379']
  const base = endpoints[0].includes('://') ? endpoints[0] : `http://${endpoints[0]}`
  const post = async (path: string, body: unknown) =>
    (await call(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }, timeoutMs)).json() as Promise<Record<string, unknown>>
  return {
    async get(key) {
      const kvs = (await post('/v3/kv/range', { key: b64(key) })).kvs as { value?: string }[] | undefined
      return kvs?.[0]?.value === undefined ? undefined : unb64(kvs[0].value)
    },
    async create(key, value) {
      const txn = await post('/v3/kv/txn', {
        compare: [{ key: b64(key), result: 'EQUAL', target: 'CREATE', create_revision: '0' }],
        success: [{ request_put: { key: b64(key), value: b64(value) } }],
      })
      return txn.succeeded === true
    },
    async put(key, value) {
      await post('/v3/kv/put', { key: b64(key), value: b64(value) })
    },
  }
}

export function consulStore(config: Record<string, unknown>, timeoutMs: number): KvStore {
  const address = typeof config.address === 'string' ? config.address : 'localhost:8500'
  const scheme = typeof config.scheme === 'string' ? config.scheme : 'http'
  const url = (key: string, query = '') => `${scheme}://${address}/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}${query}`
  return {
    async get(key) {
      const res = await fetch(url(key, '?raw'), { signal: AbortSignal.timeout(timeoutMs) })
      if (res.status === 404) return (await res.arrayBuffer(), undefined)
      if (!res.ok) throw new Error(`GET ${url(key)}: HTTP ${res.status}`)
      return res.text()
    },
    async create(key, value) {
      return (await (await call(url(key, '?cas=0'), { method: 'PUT', body: value }, timeoutMs)).text()).trim() === 'true'
    },
    async put(key, value) {
      await (await call(url(key), { method: 'PUT', body: value }, timeoutMs)).arrayBuffer()
    },
  }
}

/** A leader record read back from the store, checked: the store is shared, so untrusted. */
export function parseLeaderRecord(text: string | undefined): LeaderRecord | undefined {
  if (text === undefined) return undefined
  try {
    const r = JSON.parse(text) as Record<string, unknown>
    if (typeof r.id === 'string' && typeof r.addr === 'string' && typeof r.api_addr === 'string') return { id: r.id, addr: r.addr, api_addr: r.api_addr }
  } catch {
    // not ours
  }
  return undefined
}

/**
 * The `-join` list for this node: the leader's Raft address, or none when this node won the
 * claim and founds the cluster. Retries (a store not up yet) until `deadlineMs` passes.
 */
export async function joinThroughKv(
  store: KvStore,
  key: string,
  self: LeaderRecord,
  wait: (ms: number) => Promise<void>,
  now: () => number,
  deadline: number,
): Promise<string[]> {
  let lastError = ''
  for (;;) {
    try {
      const leader = parseLeaderRecord(await store.get(key))
      if (leader && leader.id !== self.id) return [leader.addr]
      if (leader) return [] // ours: this node led before, and restarts
      if (await store.create(key, JSON.stringify(self))) return []
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e)
    }
    if (now() > deadline) throw new Error(`discovery: no leader found under ${key}${lastError ? ` (${lastError})` : ''}`)
    await wait(500)
  }
}
