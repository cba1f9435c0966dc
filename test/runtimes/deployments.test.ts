// docker-compose.yml and deploy/kubernetes/raftlite.yaml, checked without Docker or Kubernetes:
// the files are read, then their pods run as real processes on loopback through the image's
// entry point, with the files' environment and arguments (names included) unchanged. Each pod
// has its own loopback IP; loopback-dns.mjs makes the service names resolve to them.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { argsFromEnv } from '../../runtimes/node/env-args.ts'
import { RQLITED_FLAGS } from '../../src/cli/rqlited-flags.ts'
import { execute, queryText } from '../support/cluster-processes.ts'
import { finalImage } from '../support/dockerfile.ts'
import { type Pod, type PodSpec, expandK8s, loopbackBlock, startPods } from '../support/loopback-pods.ts'
import { parseYaml, parseYamlDocuments } from '../support/mini-yaml.ts'
import { ROOT, tempDataDir } from '../support/raftlited-process.ts'

// Parsed YAML is untyped: the tests check it field by field.
type Any = any

const image = finalImage()
const imagePort = (kind: 'HTTP' | 'RAFT') => image.env[`RAFTLITE_${kind}_ADDR`].split(':').pop()!
const running: Pod[] = []
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()))
  for (const dir of new Set(running.map((p) => p.dataDir))) rmSync(dir, { recursive: true, force: true })
})

function start(specs: PodSpec[], hosts: Record<string, string>): Pod[] {
  const pods = startPods(specs, hosts)
  running.push(...pods)
  return pods
}

/** Every RAFTLITE_* variable must name a real flag: env-args.ts silently ignores the others. */
function expectRealFlags(env: Record<string, string>): void {
  const names = new Set(RQLITED_FLAGS.map((f) => f.name))
  for (const key of Object.keys(env).filter((k) => k.startsWith('RAFTLITE_') && k !== 'RAFTLITE_DATA_DIR')) {
    expect(names.has(key.slice(9).toLowerCase().replaceAll('_', '-')), `${key} is not a raftlited flag`).toBe(true)
  }
}

const getJson = async (url: string) => JSON.parse(await (await fetch(url)).text())

/**
 * Waits (bounded) until every pod is ready, then checks they are one cluster: one leader, and
 * every node lists the same members at their advertised names, all reachable. Returns the leader.
 */
async function oneCluster(pods: Pod[], raftAddrOf: (id: string) => string): Promise<Pod> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const gone = pods.find((p) => p.child.exitCode !== null || p.child.signalCode !== null)
    if (gone) throw new Error(`${gone.name} exited:\n${gone.output()}`)
    const ready = await Promise.all(pods.map((p) => fetch(`${p.url}/readyz`).then((r) => r.ok, () => false)))
    if (ready.every(Boolean)) break
    if (Date.now() > deadline) throw new Error(`not ready: ${pods.filter((_, i) => !ready[i]).map((p) => `${p.name}:\n${p.output()}`).join('\n')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const states = await Promise.all(pods.map(async (p) => (await getJson(`${p.url}/status`)).store.raft.state as string))
  expect(states.filter((s) => s === 'Leader')).toHaveLength(1)
  const ids = pods.map((p) => p.name).sort()
  for (const p of pods) {
    const nodes = await getJson(`${p.url}/nodes`)
    expect(Object.keys(nodes).sort(), p.name).toEqual(ids)
    for (const id of ids) expect(nodes[id], `${p.name} sees ${id}`).toMatchObject({ addr: raftAddrOf(id), reachable: true, voter: true })
    expect(Object.values(nodes).filter((n: Any) => n.leader)).toHaveLength(1)
  }
  return pods[states.indexOf('Leader')]
}

/** Every pod's own copy (level=none) holds `rows` rows, eventually. */
async function replicated(pods: Pod[], rows: number): Promise<void> {
  const expected = `"values":[[${rows}]]`
  const deadline = Date.now() + 10_000
  for (const p of pods) {
    while (!(await queryText(p.url, 'SELECT count(*) FROM t', '&level=none').catch(() => '')).includes(expected)) {
      if (Date.now() > deadline) throw new Error(`${p.name} does not have ${rows} rows`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

async function insert(leader: Pod, who: string, count: number): Promise<void> {
  const res = await execute(leader.url, Array.from({ length: count }, (_, i) => ['INSERT INTO t(who, n) VALUES (?, ?)', who, i]))
  expect(res.status, res.text).toBe(200)
  expect(res.text.match(/"rows_affected":1/g)).toHaveLength(count)
}

describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Any
  const names = Object.keys(compose.services)
  const join3 = names.map((n) => `${n}:${imagePort('RAFT')}`).join(',')

  test('three services of the Dockerfile image: names as ids and addresses, -bootstrap-expect 3, a volume each, node 1 published', () => {
    expect(names).toEqual(['raftlite-1', 'raftlite-2', 'raftlite-3'])
    for (const [i, name] of names.entries()) {
      const s = compose.services[name]
      expect(s).toMatchObject({ build: '.', image: compose.services[names[0]].image, hostname: name })
      expect(s.environment).toEqual({
        RAFTLITE_NODE_ID: name,
        RAFTLITE_HTTP_ADV_ADDR: `${name}:${imagePort('HTTP')}`,
        RAFTLITE_RAFT_ADV_ADDR: `${name}:${imagePort('RAFT')}`,
        RAFTLITE_BOOTSTRAP_EXPECT: '3',
        RAFTLITE_JOIN: join3,
      })
      expectRealFlags(s.environment)
      expect(s.command, 'configuration is the environment').toBeUndefined()
      expect(s.volumes).toEqual([`${name}-data:${image.env.RAFTLITE_DATA_DIR}`])
      expect(compose.volumes).toHaveProperty(`${name}-data`)
      expect(s.ports).toEqual(i === 0 ? [`${imagePort('HTTP')}:${imagePort('HTTP')}`] : undefined)
    }
  })

  test('its services, started together as processes on loopback, form one cluster that replicates', { timeout: 45_000 }, async () => {
    const ip = loopbackBlock()
    const hosts = Object.fromEntries(names.map((n, i) => [n, ip(1, i)]))
    const pods = start(
      names.map((name, i) => ({ name, env: compose.services[name].environment, args: [], dataDir: tempDataDir('raftlite-compose-'), ip: ip(1, i) })),
      hosts,
    )
    const leader = await oneCluster(pods, (id) => `${id}:${imagePort('RAFT')}`)
    expect(leader.output()).not.toMatch(/error/i)
    await execute(leader.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT, n INTEGER)'])
    await insert(pods[0], 'raftlite-1', 5) // the published node: a follower forwards
    await insert(pods[2], 'raftlite-3', 5)
    await replicated(pods, 10)
    await Promise.all(pods.map((p) => p.kill()))
  })
})

describe('deploy/kubernetes/raftlite.yaml', () => {
  const docs = parseYamlDocuments(readFileSync(join(ROOT, 'deploy/kubernetes/raftlite.yaml'), 'utf8')) as Any[]
  const set = docs.find((d) => d.kind === 'StatefulSet')
  const services = docs.filter((d) => d.kind === 'Service')
  const headless = services.find((s) => s.spec.clusterIP === 'None')
  const container = set.spec.template.spec.containers[0]
  const NAMESPACE = 'default'
  const podNames = Array.from({ length: set.spec.replicas }, (_, i) => `${set.metadata.name}-${i}`)
  const dnsName = (pod: string) => `${pod}.${headless.metadata.name}.${NAMESPACE}.svc.cluster.local`

  /** The pod's environment and arguments as the kubelet makes them (downward API, `$(VAR)`). */
  function podSpec(pod: string, dataDir: string, ip: string): PodSpec {
    const fields: Record<string, string> = { 'metadata.name': pod, 'metadata.namespace': NAMESPACE }
    const env: Record<string, string> = {}
    for (const e of container.env) {
      env[e.name] = e.valueFrom ? fields[e.valueFrom.fieldRef.fieldPath] : expandK8s(String(e.value), env)
      expect(env[e.name], e.name).toBeDefined()
    }
    return { name: pod, env, args: (container.args as string[]).map((a) => expandK8s(String(a), env)), dataDir, ip }
  }

  test('a headless Service publishing not-ready pods, a client Service, a Parallel StatefulSet of 3 with a claim for /data', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(['Service', 'Service', 'StatefulSet'])
    expect(headless.spec).toMatchObject({ publishNotReadyAddresses: true, selector: set.spec.selector.matchLabels })
    expect(services.find((s) => s !== headless).spec.selector).toEqual(set.spec.selector.matchLabels)
    expect(set.spec).toMatchObject({ serviceName: headless.metadata.name, replicas: 3, podManagementPolicy: 'Parallel' })
    expect(set.spec.template.metadata.labels).toMatchObject(set.spec.selector.matchLabels)
    const claim = set.spec.volumeClaimTemplates[0]
    expect(container.volumeMounts).toEqual([{ name: claim.metadata.name, mountPath: image.env.RAFTLITE_DATA_DIR }])
    const http = container.ports.find((p: Any) => p.name === container.readinessProbe.httpGet.port)
    expect(container.readinessProbe.httpGet.path).toBe('/readyz')
    expect(String(http.containerPort)).toBe(imagePort('HTTP'))
    expect(container.command, 'the image entry point is kept').toBeUndefined()
  })

  test('node id = pod name; advertised addresses and -join are the pods\' stable DNS names', () => {
    const spec = podSpec('raftlite-1', '/data', '')
    expectRealFlags(spec.env)
    const flags = argsFromEnv({ ...image.env, ...spec.env }, spec.args, 'raftlite-1')
    expect(flags).toEqual(expect.arrayContaining([
      '-node-id=raftlite-1',
      `-raft-adv-addr=${dnsName('raftlite-1')}:${imagePort('RAFT')}`,
      `-http-adv-addr=${dnsName('raftlite-1')}:${imagePort('HTTP')}`,
    ]))
    expect(spec.args).toEqual(['-bootstrap-expect', '3', '-join', podNames.map((p) => `${dnsName(p)}:${imagePort('RAFT')}`).join(',')])
  })

  test('its pods as processes on loopback form one cluster; all three killed and back on new IPs, it re-forms with its data', { timeout: 55_000 }, async () => {
    const ip = loopbackBlock()
    const dataDirs = podNames.map(() => tempDataDir('raftlite-k8s-'))
    const generation = (g: number) => {
      const hosts = Object.fromEntries(podNames.map((p, i) => [dnsName(p), ip(g, i)]))
      return start(podNames.map((p, i) => podSpec(p, dataDirs[i], ip(g, i))), hosts)
    }
    const raftAddrOf = (id: string) => `${dnsName(id)}:${imagePort('RAFT')}`

    let pods = generation(1)
    let leader = await oneCluster(pods, raftAddrOf)
    await execute(leader.url, ['CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT, n INTEGER)'])
    await insert(leader, 'before', 10)
    await replicated(pods, 10)

    await Promise.all(pods.map((p) => p.kill())) // kill -9, all at once
    const firstUrls = pods.map((p) => p.url)
    pods = generation(2) // same names, ids and volumes; every IP is new
    // Every node reaches every other by name (reachable in /nodes), and nothing answers at the
    // old addresses any more: the names resolved to the new IPs.
    leader = await oneCluster(pods, raftAddrOf)
    for (const url of firstUrls) await expect(fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) }), url).rejects.toThrow()
    await replicated(pods, 10)
    await insert(pods[(pods.indexOf(leader) + 1) % 3], 'after', 5)
    await replicated(pods, 15)
    await Promise.all(pods.map((p) => p.kill()))
  })
})
