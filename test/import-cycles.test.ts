// No module in src/ may reach itself through its imports (type-only imports included: a cycle
// of types still ties two concerns together). Walks the relative imports; no dependency needed.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { expect, test } from 'vitest'

const SRC = join(import.meta.dirname, '..', 'src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.ts$/.test(name) ? [path] : []
  })
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
export function relativeImports(source: string): string[] {
  const found: string[] = []
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g
  for (const line of source.split('\n')) {
    if (/^\s*(\/\/|\*)/.test(line)) continue
    for (const m of line.matchAll(pattern)) found.push(m[1])
  }
  return found
}

/** Every cycle found by a depth-first walk, each as the path of files that closes it. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string) => {
    state.set(file, 'open')
    stack.push(file)
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file)
  return cycles
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const targets = relativeImports(readFileSync(file, 'utf8')).map((spec) => resolve(dirname(file), spec))
    graph.set(file, targets)
  }
  return graph
}

test('src/ has no import cycle', () => {
  const graph = importGraph()
  const cycles = findCycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(' -> '))
  expect(cycles).toEqual([])
})

test('every relative import in src/ names a file that exists', () => {
  const graph = importGraph()
  const missing = [...graph].flatMap(([file, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${relative(SRC, file)} -> ${relative(SRC, t)}`))
  expect(missing).toEqual([])
})

test('the walk would catch a cycle, also one made only of type imports', () => {
  expect(relativeImports("import type { A } from './a.ts'\nexport { b } from '../b.ts'\nconst c = await import('./c.ts')")).toEqual(['./a.ts', '../b.ts', './c.ts'])
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ])
  expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']])
  expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([])
})
