// The container image, checked without a container engine: the Dockerfile's promises (non-root,
// /data volume, health check, entry point as documented) and its entry point run as a real
// process on loopback with the image's environment.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { argsFromEnv } from '../../runtimes/node/env-args.ts'
import { envOf, instruction, parseDockerfile } from '../support/dockerfile.ts'
import { freePort } from '../support/free-port.ts'
import { MEMORY_ENV, NODE_HEAP_FLAGS, ROOT, tempDataDir } from '../support/raftlited-process.ts'

/** The command the README documents; the Dockerfile's ENTRYPOINT must be exactly this. */
const ENTRYPOINT = ['node', ...NODE_HEAP_FLAGS, 'dist/container-main.mjs']

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
const final = dockerfile.stages.at(-1)!
const imageEnv = envOf(final)
const healthcheck = JSON.parse(/CMD\s+(\[.*\])$/.exec(instruction(final, 'HEALTHCHECK')[0])![1]) as string[]

describe('Dockerfile', () => {
  test('multi-stage on node:20-slim; runs as the unprivileged node user with /data as a volume', () => {
    expect(dockerfile.args.get('NODE_IMAGE')).toBe('node:20-slim')
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2)
    // Every stage starts from the Node image or from an earlier stage.
    const names = dockerfile.stages.map((s) => /\sAS\s+(\S+)/i.exec(s.from)?.[1])
    dockerfile.stages.forEach((s, i) => expect(s.from.startsWith('${NODE_IMAGE}') || names.slice(0, i).includes(s.from.split(/\s+/)[0]), s.from).toBe(true))
    expect(instruction(final, 'USER')).toEqual(['node'])
    expect(instruction(final, 'VOLUME')).toEqual(['/data'])
    expect(imageEnv).toMatchObject({ RAFTLITE_HTTP_ADDR: '0.0.0.0:4001', RAFTLITE_RAFT_ADDR: '0.0.0.0:4002', RAFTLITE_DATA_DIR: '/data', ...MEMORY_ENV })
    expect(instruction(final, 'EXPOSE')).toEqual(['4001 4002'])
  })

  test('the production install has what the bundle imports, and no tsx: the image runs the bundle', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(dockerfile.stages[0].instructions.some(([k, v]) => k === 'RUN' && v.includes('npm ci --omit=dev'))).toBe(true)
    for (const name of ['hono', '@hono/node-server', '@sqlite.org/sqlite-wasm', 'cbor-x']) expect(pkg.dependencies[name], name).toBeDefined()
    expect(pkg.dependencies.tsx).toBeUndefined()
    // The bundles are built where the devDependencies (esbuild) are installed, not in the image.
    const build = dockerfile.stages.find((s) => /\sAS\s+build$/i.test(s.from))!
    expect(instruction(build, 'RUN')).toEqual(expect.arrayContaining([expect.stringContaining('npm ci --ignore-scripts'), 'node scripts/build.mjs --bins']))
  })

  test('everything the image copies exists, and .dockerignore keeps node_modules and data out', () => {
    for (const stage of dockerfile.stages) {
      for (const args of instruction(stage, 'COPY').filter((a) => !a.startsWith('--from'))) {
        const sources = args.split(/\s+/).slice(0, -1)
        for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true)
      }
    }
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'data/']))
    for (const kept of ['scripts', 'src', 'runtimes/node', 'package.json', 'package-lock.json']) {
      expect(ignored.some((l) => l.replace(/\/$/, '') === kept), kept).toBe(false)
    }
  })

  test('ENTRYPOINT is the command the README documents', () => {
    expect(JSON.parse(instruction(final, 'ENTRYPOINT')[0])).toEqual(ENTRYPOINT)
    expect(instruction(final, 'CMD')).toEqual([])
    const readme = existsSync(join(ROOT, 'README.md')) ? readFileSync(join(ROOT, 'README.md'), 'utf8') : ''
    expect(readme.includes(ENTRYPOINT.join(' ')), `README.md must document \`${ENTRYPOINT.join(' ')}\``).toBe(true)
  })
})

describe('RAFTLITE_* environment to flags', () => {
  test('known flags map, last value wins for extra flags, data dir last', () => {
    expect(argsFromEnv({ RAFTLITE_NODE_ID: 'n1', RAFTLITE_HTTP_ADDR: '127.0.0.1:4001', RAFTLITE_FK: 'true' }, ['-fk=false'], 'h')).toEqual(
      ['-node-id=n1', '-http-addr=127.0.0.1:4001', '-fk=true', '-fk=false', '/data'],
    )
    expect(argsFromEnv({ RAFTLITE_DATA_DIR: '/var/lib/raftlite' }, [], 'h')).toEqual(['/var/lib/raftlite'])
  })

  test('an address bound to every interface is advertised as the hostname unless given', () => {
    expect(argsFromEnv({ RAFTLITE_HTTP_ADDR: '0.0.0.0:4001', RAFTLITE_RAFT_ADDR: ':4002' }, [], 'pod-0.raftlite')).toEqual([
      '-http-addr=0.0.0.0:4001', '-raft-addr=:4002', '-http-adv-addr=pod-0.raftlite:4001', '-raft-adv-addr=pod-0.raftlite:4002', '/data',
    ])
    expect(argsFromEnv({ RAFTLITE_HTTP_ADDR: '0.0.0.0:4001', RAFTLITE_HTTP_ADV_ADDR: 'db.example:80' }, [], 'h')).toEqual(
      ['-http-addr=0.0.0.0:4001', '-http-adv-addr=db.example:80', '/data'],
    )
  })

  test('other RAFTLITE_ variables (Kubernetes service links) and empty values are ignored', () => {
    const k8s = { RAFTLITE_PORT: 'tcp://10.0.0.7:4001', RAFTLITE_SERVICE_HOST: '10.0.0.7', RAFTLITE_PORT_4001_TCP_PORT: '4001', RAFTLITE_NODE_ID: '' }
    expect(argsFromEnv(k8s, [], 'h')).toEqual(['/data'])
  })
})

describe('the entry point as a process, with the image environment on loopback', () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill('SIGKILL')
  })

  test('starts, passes the HEALTHCHECK, stops on SIGTERM with exit 0', { timeout: 60_000 }, async () => {
    const httpPort = await freePort()
    const raftPort = await freePort()
    const dataDir = tempDataDir('raftlite-container-')
    const loopback = (addr: string, port: number) => addr.replace(/^0\.0\.0\.0:\d+$/, `127.0.0.1:${port}`)
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...imageEnv,
      RAFTLITE_HTTP_ADDR: loopback(imageEnv.RAFTLITE_HTTP_ADDR, httpPort),
      RAFTLITE_RAFT_ADDR: loopback(imageEnv.RAFTLITE_RAFT_ADDR, raftPort),
      RAFTLITE_DATA_DIR: dataDir,
      RAFTLITE_NODE_ID: 'container-1',
      RAFTLITE_PORT: 'tcp://10.0.0.7:4001', // a Kubernetes service link: must be ignored
    }
    // What the image runs is the Dockerfile's ENTRYPOINT, not this file's copy of the README's.
    const [node, ...args] = JSON.parse(instruction(final, 'ENTRYPOINT')[0]) as string[]
    expect(node, 'the image runs its entry point with node').toBe('node')
    child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout!.on('data', (d: Buffer) => (output += d))
    child.stderr!.on('data', (d: Buffer) => (output += d))
    const exited = new Promise<number | null>((done) => child!.once('exit', (code) => done(code)))

    const url = `http://127.0.0.1:${httpPort}`
    const deadline = Date.now() + 30_000
    while (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not ready:\n${output}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const status = await (await fetch(`${url}/status`)).json()
    expect(status.store.node_id).toBe('container-1')
    expect(status.store.dir).toBe(dataDir)
    expect(status.runtime.name, 'the process the entry point started').toBe('node')
    expect(status.os.pid).toBe(child.pid)

    const probe = () => spawnSync(process.execPath, healthcheck.slice(1), { env, encoding: 'utf8', timeout: 10_000 }).status
    expect(healthcheck[0]).toBe('node')
    expect(probe()).toBe(0)

    child.kill('SIGTERM')
    expect(await exited, output).toBe(0)
    expect(output).toContain('received SIGTERM, shutting down')
    expect(probe()).toBe(1)
  })
})
