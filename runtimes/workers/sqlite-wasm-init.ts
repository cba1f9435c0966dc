/**
 * sqlite-wasm in workerd. The runtime forbids compiling WebAssembly from bytes, which sqlite-wasm
 * does twice: for its own .wasm (we hand it the module wrangler compiled from the import), and
 * for a ~35-byte "trampoline" per function signature whenever a JS function enters its function
 * table (VFS methods, hooks, SQL functions). Those are precompiled by
 * scripts/gen-edge-trampolines.ts; `WebAssembly.Module` is wrapped to return them for their bytes.
 * A signature nobody recorded fails with a message saying how to regenerate.
 */
import sqliteWasm from '../../node_modules/@sqlite.org/sqlite-wasm/dist/sqlite3.wasm'
import { setSqliteInitOptions } from '../../src/sqlite/sqlite-api.ts'
import { trampolines } from './trampolines.gen.ts'

const known = new Map(trampolines)

function hex(source: BufferSource): string {
  const bytes = source instanceof Uint8Array ? source : ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

let installed = false

/** Makes the next sqlite-wasm init work in workerd. Idempotent. */
export function prepareSqliteForWorkers(): void {
  if (installed) return
  installed = true
  const Compile = WebAssembly.Module
  WebAssembly.Module = new Proxy(Compile, {
    construct(target, args: [BufferSource]) {
      const module = known.get(hex(args[0]))
      if (module) return module
      try {
        return new target(...args)
      } catch (e) {
        throw new Error(`sqlite-wasm needed a trampoline the edge build does not carry (run: npx tsx scripts/gen-edge-trampolines.ts): ${(e as Error).message}`)
      }
    },
  })
  setSqliteInitOptions({
    instantiateWasm(imports: WebAssembly.Imports, ready: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      const instance = new WebAssembly.Instance(sqliteWasm, imports)
      ready(instance, sqliteWasm)
      return instance.exports
    },
  })
}
