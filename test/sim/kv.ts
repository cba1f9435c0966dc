/** The simulated application: a string key/value store driven by log entries. */

export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string; readonly id: number }
  | { readonly op: 'append'; readonly key: string; readonly value: string; readonly id: number }

const enc = new TextEncoder()
const dec = new TextDecoder()

export function encodeCommand(c: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(c))
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(dec.decode(data)) as KvCommand
}

export class KvStore {
  private data = new Map<string, string>()

  apply(c: KvCommand): void {
    if (c.op === 'put') this.data.set(c.key, c.value)
    else this.data.set(c.key, (this.data.get(c.key) ?? '') + c.value)
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null
  }

  serialize(): Uint8Array {
    return enc.encode(JSON.stringify([...this.data]))
  }

  static restore(data: Uint8Array): KvStore {
    const kv = new KvStore()
    if (data.byteLength > 0) kv.data = new Map(JSON.parse(dec.decode(data)) as [string, string][])
    return kv
  }
}
