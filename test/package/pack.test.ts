// The package as a user installs it (issue 21): `npm pack`, the tarball installed into a fresh
// project, then on plain Node 20, 22 and 24, on Bun and on Deno (`npm:` specifier): import the
// library, start a node, run a query; run `raftlited` and query it over HTTP, and run the
// `raftlite` shell non-interactively against it. Nothing here loads the repository's sources.
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { NODE_VERSIONS_DIR, nodeBinary } from '../support/node-binaries.ts'
import { type PackedPackage, packAndInstall } from '../support/packed-package.ts'
import { DENO_PERMISSIONS, ROOT, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
const DENO = join(ROOT, 'node_modules/.bin/deno')
const BUN = join(ROOT, 'node_modules/.bin/bun')
// --cached-only: `npm:raftlite` must come from the project's node_modules, never a registry.
// --allow-sys: the bins are Node programs, and Node's os.hostname() is a sys call under Deno.
const DENO_RUN = ['run', '--cached-only', ...DENO_PERMISSIONS]
const NPM_SPEC = `npm:raftlite@${pkg.version}`

let packed: PackedPackage

beforeAll(() => {
  packed = packAndInstall()
}, 240_000)

describe('the tarball', () => {
  test('holds the compiled library with types and source maps, the bins and their bundles', () => {
    for (const entry of ['src/mod', 'runtimes/node/mod', 'runtimes/deno/mod', 'runtimes/bun/mod']) {
      for (const ext of ['.js', '.d.ts', '.js.map']) expect(packed.files, `dist/lib/${entry}${ext}`).toContain(`dist/lib/${entry}${ext}`)
    }
    expect(packed.files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/raftlited.mjs', 'bin/raftlite.mjs', 'bin/run-entry.mjs', 'dist/raftlited.mjs', 'dist/raftlite.mjs']))
  })

  test('holds no tests, benchmarks, sources, deployment files, docs or the container entry', () => {
    const unwanted = packed.files.filter((f) => /^(test|bench|src|runtimes|deploy|docs|examples|scripts|\.ci)\//.test(f) || /\.test\.|(^|\/)container-main\.|^Dockerfile|^tsconfig/.test(f))
    expect(unwanted).toEqual([])
    // Every TypeScript file in it is a declaration.
    expect(packed.files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
  })

  test("its declarations import the .js modules beside them, never the sources' .ts names", () => {
    const declarations = packed.files.filter((f) => f.endsWith('.d.ts'))
    expect(declarations.length).toBeGreaterThan(100)
    const tsImports = declarations.filter((f) => /(from|import\()\s*['"]\.{1,2}\/[^'"]*\.ts['"]/.test(readFileSync(join(packed.project, 'node_modules/raftlite', f), 'utf8')))
    expect(tsImports).toEqual([])
    expect(readFileSync(join(packed.project, 'node_modules/raftlite/dist/lib/runtimes/node/mod.d.ts'), 'utf8')).toContain("export * from '../../src/mod.js'")
  })

  test('its source maps carry the sources, which the package does not ship', () => {
    const map = JSON.parse(readFileSync(join(packed.project, 'node_modules/raftlite/dist/lib/runtimes/node/mod.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] }
    expect(map.sources).toEqual(['../../../../runtimes/node/mod.ts'])
    expect(map.sourcesContent?.[0]).toContain('export async function startNode(')
  })
})

describe('a TypeScript user', () => {
  const check = (source: string) => {
    writeFileSync(join(packed.project, 'consumer.ts'), source)
    const tsconfig = {
      // skipLibCheck off: the package's own declarations must check too.
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['consumer.ts'],
    }
    writeFileSync(join(packed.project, 'tsconfig.json'), JSON.stringify(tsconfig))
    return spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: packed.project, encoding: 'utf8', timeout: 60_000 })
  }

  beforeAll(() => {
    // What such a user has installed beside the package: @types/node, and @types/ws for the
    // declarations of @hono/node-ws (both are this repository's devDependencies).
    mkdirSync(join(packed.project, 'node_modules/@types'))
    for (const name of ['node', 'ws']) symlinkSync(join(ROOT, 'node_modules/@types', name), join(packed.project, 'node_modules/@types', name))
  })

  test('gets the types from the declarations (NodeNext resolution through `exports`), and a misuse fails to compile', () => {
    const good = check(
      "import { startNode, type ResultSet } from 'raftlite/node'\n" +
        "import { RaftliteError } from 'raftlite'\n" +
        "const node = await startNode({ dataDir: './data', foreignKeys: true })\n" +
        "const rows: ResultSet['rows'] = (await node.client().query('SELECT 1')).rows\n" +
        'export { rows, RaftliteError }\n',
    )
    expect(good.stdout + good.stderr).toBe('')
    expect(good.status).toBe(0)
    const bad = check("import { startNode } from 'raftlite/node'\nawait startNode({ dataDir: 42 })\nexport {}\n")
    expect(bad.status).not.toBe(0)
    expect(bad.stdout).toMatch(/consumer\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/)
  }, 90_000)
})

interface Runner {
  name: string
  /** Skipped, saying why, when the runtime is not installed. */
  missing?: string
  /** Runs a module of the project. */
  script(file: string, args: string[]): [string, string[]]
  /** Runs one of the package's bins. */
  bin(name: 'raftlited' | 'raftlite'): { cmd: string; args: string[]; env?: Record<string, string> }
  /** How the module names the package's entry for this runtime. */
  entry: string
}

/** A Node major: the bins run as a user runs them, through node_modules/.bin and their `#!` line. */
function nodeRunner(major: number, binary: string | undefined): Runner {
  const missing = binary ? undefined : `no binary (set RAFTLITE_NODE${major} or run test/support/install-node-versions.sh to fill ${NODE_VERSIONS_DIR})`
  return {
    name: `Node ${major}`,
    missing,
    entry: 'raftlite/node',
    script: (file, args) => [binary!, [file, ...args]],
    bin: (name) => ({ cmd: join(packed.project, 'node_modules/.bin', name), args: [], env: { PATH: `${dirname(binary!)}:${process.env.PATH}` } }),
  }
}

const runners: Runner[] = [
  nodeRunner(20, process.version.startsWith('v20.') ? process.execPath : nodeBinary(20)),
  nodeRunner(22, nodeBinary(22)),
  nodeRunner(24, nodeBinary(24)),
  {
    name: 'Bun',
    entry: 'raftlite/bun',
    script: (file, args) => [BUN, [file, ...args]],
    bin: (name) => ({ cmd: BUN, args: [join(packed.project, 'node_modules/raftlite/bin', `${name}.mjs`)] }),
  },
  {
    name: 'Deno',
    entry: `${NPM_SPEC}/deno`,
    script: (file, args) => [DENO, [...DENO_RUN, file, ...args]],
    bin: (name) => ({ cmd: DENO, args: [...DENO_RUN, '--allow-sys', name === 'raftlite' ? NPM_SPEC : `${NPM_SPEC}/${name}`] }),
  },
]

/** A program a user might write: start a node, write the token, read it back, stop. */
const program = (entry: string) => `import process from 'node:process'
import { startNode } from '${entry}'

const [dataDir, token] = process.argv.slice(2)
const node = await startNode({ dataDir })
const db = node.client()
await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
const { lastInsertRowid } = await db.execute({ sql: 'INSERT INTO t(v) VALUES (?)', args: [token] })
const { rows } = await db.query('SELECT id, v FROM t', { level: 'strong' })
console.log(JSON.stringify({ lastInsertRowid: Number(lastInsertRowid), rows: rows.map((r) => ({ id: r.id, v: r.v })) }))
await node.stop()
`

/** A program using the package's remote client: reads the table back over HTTP. */
const clientProgram = (entry: string) => `import process from 'node:process'
import { createClient } from '${entry.replace(/\/(node|deno|bun)$/, '/client')}'

const db = createClient({ hosts: [process.argv[2]] })
const { rows } = await db.query('SELECT v FROM f', { level: 'strong' })
console.log(JSON.stringify(rows.map((r) => r.v)))
`

/** Runs a command with `input` on standard input; resolves with its output when it exits. */
function runWithInput(cmd: string, args: string[], input: string, cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, RAFTLITE_HOST: undefined, RQLITE_HOST: undefined, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(input)
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

for (const runner of runners) {
  describe.skipIf(runner.missing !== undefined)(runner.missing ? `${runner.name}: skipped, ${runner.missing}` : `the installed package on ${runner.name}`, () => {
    test(`imports ${runner.entry}, starts a node and runs a query`, () => {
      const file = join(packed.project, `app-${runner.name.replace(/\s/g, '').toLowerCase()}.mjs`)
      writeFileSync(file, program(runner.entry))
      const token = randomUUID()
      const [cmd, args] = runner.script(file, [tempDataDir('raftlite-user-data-'), token])
      const result = spawnSync(cmd, args, { cwd: packed.project, encoding: 'utf8', timeout: 60_000 })
      expect(result.stderr).not.toMatch(/error/i)
      expect(result.status).toBe(0)
      expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toEqual({ lastInsertRowid: 1, rows: [{ id: 1, v: token }] })
    }, 60_000)

    test('raftlited serves a query; the remote client (raftlite/client) and the raftlite shell read it back', async () => {
      const daemon = runner.bin('raftlited')
      const proc = await startRaftlited({ command: { ...daemon, cwd: packed.project } })
      try {
        const token = randomUUID()
        const write = await fetch(`${proc.url}/db/execute`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(['CREATE TABLE f (v TEXT)', ['INSERT INTO f(v) VALUES(?)', token]]),
        })
        expect(await write.json()).toEqual({ results: [{}, { last_insert_id: 1, rows_affected: 1 }] })
        const read = await fetch(`${proc.url}/db/query?q=${encodeURIComponent('SELECT v FROM f')}`)
        expect((await read.json()).results[0].values).toEqual([[token]])

        const clientFile = join(packed.project, `client-${runner.name.replace(/\s/g, '').toLowerCase()}.mjs`)
        writeFileSync(clientFile, clientProgram(runner.entry))
        const [cmd, args] = runner.script(clientFile, [proc.url])
        const viaClient = spawnSync(cmd, args, { cwd: packed.project, encoding: 'utf8', timeout: 60_000 })
        expect(viaClient.status, viaClient.stderr).toBe(0)
        expect(JSON.parse(viaClient.stdout.trim().split('\n').at(-1)!)).toEqual([token])

        const shell = runner.bin('raftlite')
        const [host, port] = proc.httpAddr.split(':')
        const run = await runWithInput(shell.cmd, [...shell.args, '-H', host, '-p', port], 'SELECT v FROM f;\n.exit\n', packed.project, shell.env)
        expect(run.stderr).toBe('')
        expect(run.stdout).toContain(`| ${token} |`)
        expect(run.code).toBe(0)
      } finally {
        expect(await proc.stop()).toBe(0)
      }
    }, 60_000)
  })
}
