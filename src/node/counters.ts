/**
 * rqlite's `/debug/vars` counters: named maps (`store`, `cluster`, `http`) of counters, under
 * rqlite's names so its tools and dashboards find them. One per node, shared by its parts and
 * its HTTP API.
 */
export class Counters {
  readonly #maps = new Map<string, Map<string, number>>()

  add(map: string, key: string, n = 1): void {
    const m = this.#maps.get(map) ?? new Map<string, number>()
    this.#maps.set(map, m)
    m.set(key, (m.get(key) ?? 0) + n)
  }

  get(map: string, key: string): number {
    return this.#maps.get(map)?.get(key) ?? 0
  }

  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.#maps].map(([k, m]) => [k, Object.fromEntries(m)]))
  }
}
