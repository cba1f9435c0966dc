// src/ is runtime-agnostic: web-standard APIs only. Runtime specifics live in runtimes/<name>/.
// (tsconfig.src.json also type-checks src/ without Node's types.)
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { expect, test } from 'vitest'

const ROOT = join(import.meta.dirname, '..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|mts|js|mjs)$/.test(name) ? [path] : []
  })
}

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]node:/, 'a node: import'],
  [/import\(\s*['"]node:/, 'a dynamic node: import'],
  [/from\s+['"](fs|path|os|child_process|net|http|https|crypto|buffer|util|worker_threads)(\/[^'"]*)?['"]/, 'a Node built-in import'],
  [/\bDeno\./, 'the Deno global'],
  [/\bBun\./, 'the Bun global'],
  [/(?<!['\"`])\bprocess\.(env|argv|exit|on|pid|version|platform|cwd|stdout|stderr)\b/, 'the Node process global'], // not a quoted name such as OpenTelemetry's 'process.pid'
  [/\bBuffer\.(from|alloc|concat|isBuffer)\b/, 'the Node Buffer global'],
  [/\brequire\(/, 'CommonJS require'],
]

test('src/ contains no runtime-specific import or global', () => {
  const offences: string[] = []
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const lines = readFileSync(file, 'utf8').split('\n')
    lines.forEach((line, i) => {
      if (/^\s*(\/\/|\*)/.test(line)) return // comments may mention them
      for (const [pattern, what] of FORBIDDEN) {
        if (pattern.test(line)) offences.push(`${relative(ROOT, file)}:${i + 1} uses ${what}: ${line.trim()}`)
      }
    })
  }
  expect(offences).toEqual([])
})

test('the scan would catch an offence', () => {
  const [pattern] = FORBIDDEN[0]
  expect(pattern.test("import * as fs from 'node:fs'")).toBe(true)
  expect(FORBIDDEN.some(([p]) => p.test('const x = Deno.readFileSync(p)'))).toBe(true)
})
