/**
 * Deployment files (compose services, Kubernetes pods) as real processes on loopback: each
 * "pod" gets its own loopback IP (127.0.0.0/8 is all loopback on Linux), binds the image's
 * ports there instead of 0.0.0.0, and runs the image's entry point with the file's environment
 * and arguments unchanged. Names resolve through loopback-dns.mjs, standing in for the
 * cluster's DNS, so flags keep their service names and a restart can move a name to a new IP.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { finalImage } from './dockerfile.ts'
import { ROOT } from './raftlited-process.ts'

export interface PodSpec {
  name: string
  /** The file's environment for this pod (the image's is added underneath). */
  env: Record<string, string>
  /** The file's arguments: extra flags after the entry point. */
  args: string[]
  dataDir: string
  ip: string
}

export interface Pod extends PodSpec {
  /** The HTTP API, as the test reaches it (by IP: the test process has no cluster DNS). */
  url: string
  child: ChildProcess
  output(): string
  kill(): Promise<void>
}

const image = finalImage()
const SHIM = pathToFileURL(join(ROOT, 'test/support/loopback-dns.mjs')).href

/** 0.0.0.0:port / :port → ip:port: inside a pod, "every interface" is the pod's own IP. */
const bindTo = (addr: string, ip: string) => addr.replace(/^(0\.0\.0\.0|::|\[::\])?:(\d+)$/, `${ip}:$2`)

/** Starts every pod at once (the way compose and a Parallel StatefulSet do). */
export function startPods(specs: PodSpec[], hosts: Record<string, string>): Pod[] {
  const [node, ...entryArgs] = image.entrypoint
  if (node !== 'node') throw new Error(`the image's entry point is not node: ${image.entrypoint.join(' ')}`)
  return specs.map((spec) => {
    const env: Record<string, string> = { ...image.env, ...spec.env, RAFTLITE_DATA_DIR: spec.dataDir }
    env.RAFTLITE_HTTP_ADDR = bindTo(env.RAFTLITE_HTTP_ADDR, spec.ip)
    env.RAFTLITE_RAFT_ADDR = bindTo(env.RAFTLITE_RAFT_ADDR, spec.ip)
    const child = spawn(process.execPath, [...entryArgs, ...spec.args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...env,
        NODE_OPTIONS: `--import=${SHIM}`,
        LOOPBACK_HOSTS: JSON.stringify(hosts),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout!.on('data', (d: Buffer) => (output += d))
    child.stderr!.on('data', (d: Buffer) => (output += d))
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    return {
      ...spec,
      url: `http://${env.RAFTLITE_HTTP_ADDR}`,
      child,
      output: () => output,
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
        await exited
      },
    }
  })
}

/** A random 127.B.0.0/16 block per run, so runs (and their stale sockets) never share IPs. */
export function loopbackBlock(): (generation: number, index: number) => string {
  const b = 2 + Math.floor(Math.random() * 250)
  return (generation, index) => `127.${b}.${generation}.${index + 1}`
}

/** Kubernetes' `$(VAR)` expansion in env values and args: earlier variables only, `$$` escapes. */
export function expandK8s(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : (vars[name] ?? m)))
}
