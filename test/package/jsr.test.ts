// JSR for Deno (issue 21): deno.json describes the package `deno publish` would upload, and the
// dry run passes, slow-type check included (every exported symbol has an explicit type).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from '../support/raftlited-process.ts'

interface DenoJson {
  name: string
  version: string
  license: string
  exports: Record<string, string>
}

const denoJson = JSON.parse(readFileSync(join(ROOT, 'deno.json'), 'utf8')) as DenoJson
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; exports: Record<string, unknown> }
const tsconfigPaths = (): Record<string, string[]> => {
  // tsconfig.json has comments: drop whole-line ones before parsing.
  const text = readFileSync(join(ROOT, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')
  return (JSON.parse(text) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths
}

test("deno.json names the same version, license and entry points as package.json's", () => {
  expect(denoJson.name).toMatch(/^@[a-z0-9-]+\/[a-z0-9-]+$/)
  expect(denoJson.version).toBe(packageJson.version)
  expect(denoJson.license).toBe(packageJson.license)
  const paths = tsconfigPaths()
  for (const [subpath, source] of Object.entries(denoJson.exports)) {
    expect(Object.keys(packageJson.exports), subpath).toContain(subpath)
    // The npm entry compiles the same source file (tsconfig's paths map the names to them).
    expect(paths[subpath === '.' ? 'raftlite' : `raftlite/${subpath.slice(2)}`], subpath).toEqual([source])
  }
})

test('deno publish --dry-run passes with no slow types, and would upload only the library', () => {
  const run = spawnSync(join(ROOT, 'node_modules/.bin/deno'), ['publish', '--dry-run', '--allow-dirty'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } })
  const output = run.stdout + run.stderr
  expect(output).toContain('Checking for slow types in the public API')
  expect(output).not.toMatch(/error\[|errors for slow types/)
  expect(output).toContain('Success Dry run complete')
  expect(run.status).toBe(0)
  const files = [...output.matchAll(/^\s+file:\/\/(\S+)/gm)].map((m) => m[1].slice(ROOT.length + 1))
  expect(files).toEqual(expect.arrayContaining(['README.md', 'deno.json', 'src/mod.ts', 'runtimes/deno/mod.ts', 'runtimes/node/mod.ts']))
  expect(files.filter((f) => !/^(src|runtimes\/(node|deno))\/[^.]+(\.[a-z-]+)*\.ts$|^(README\.md|deno\.json)$/.test(f) || f.endsWith('.d.ts'))).toEqual([])
}, 150_000)
