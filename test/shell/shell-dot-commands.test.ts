// Dot-commands against a real raftlited: schema listings, settings, node and cluster views,
// and the suggestion for a mistyped command.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RaftlitedProcess, startRaftlited, tempDataDir } from '../support/raftlited-process.ts'
import { runShellProcess } from '../support/raftlite-shell.ts'

let node: RaftlitedProcess
const shell = (input: string) => runShellProcess(['-H', '127.0.0.1', '-p', node.httpAddr.split(':')[1]], input)

beforeAll(async () => {
  node = await startRaftlited({ args: ['-node-id', 'n1'] })
  const setup = await shell(['CREATE TABLE zebra (id INTEGER PRIMARY KEY, stripes INTEGER);', 'CREATE TABLE apple (id INTEGER PRIMARY KEY, kind TEXT);', 'CREATE INDEX apple_kind ON apple(kind);', `INSERT INTO apple(kind) VALUES (x'deadbeef');`].join('\n'))
  expect(setup.code, setup.stderr).toBe(0)
})

afterAll(async () => {
  await node?.stop()
})

describe('schema', () => {
  test('.tables lists tables by name', async () => {
    const run = await shell('.tables\n')
    expect(run.stdout).toBe('+-------+\n| name  |\n+-------+\n| apple |\n| zebra |\n+-------+\n')
  })

  test('.schema shows every CREATE statement in order; .schema TABLE only that table\'s', async () => {
    const all = await shell('.mode csv\n.schema\n')
    expect(all.stdout).toBe('sql\n"CREATE TABLE zebra (id INTEGER PRIMARY KEY, stripes INTEGER)"\n"CREATE TABLE apple (id INTEGER PRIMARY KEY, kind TEXT)"\nCREATE INDEX apple_kind ON apple(kind)\n')
    const one = await shell('.mode csv\n.schema apple\n')
    expect(one.stdout).toBe('sql\n"CREATE TABLE apple (id INTEGER PRIMARY KEY, kind TEXT)"\nCREATE INDEX apple_kind ON apple(kind)\n')
  })

  test('.indexes', async () => {
    const run = await shell('.mode csv\n.indexes\n')
    expect(run.stdout).toBe('sql\nCREATE INDEX apple_kind ON apple(kind)\n')
  })
})

describe('settings', () => {
  test('.blobarray on shows BLOBs as byte arrays; off as base64', async () => {
    // A BLOB column: an expression's bytes come back as text, as go-sqlite3 gives them (compat doc §1.6).
    const blob = `CREATE TABLE IF NOT EXISTS bin (b BLOB); DELETE FROM bin; INSERT INTO bin VALUES (x'deadbeef'); SELECT b FROM bin;`
    const run = await shell(`.mode csv\n${blob}\n.blobarray on\n${blob}\n.blobarray off\n${blob}\n`)
    const rows = run.stdout.split('\n').filter((l) => !/affected$/.test(l))
    expect(rows.join('\n')).toBe('b\n3q2+7w==\nb\n"[222,173,190,239]"\nb\n3q2+7w==\n')
  })

  test('.consistency shows weak by default, takes the levels, refuses others', async () => {
    const run = await shell('.consistency\n.consistency strong\n.consistency\nSELECT 1 AS one;\n.consistency bogus\n')
    expect(run.stdout).toBe('weak\nstrong\n+-----+\n| one |\n+-----+\n| 1   |\n+-----+\n')
    expect(run.stderr).toBe('Error: unknown consistency level "bogus": use none, weak, linearizable, strong\n')
  })

  test('.forcewrites on sends reads to /db/execute too (so a SELECT reports no rows)', async () => {
    const run = await shell('.forcewrites on\nSELECT 1 AS one;\n.forcewrites off\nSELECT 1 AS one;\n')
    expect(run.stdout.split('\n')[0]).toMatch(/^\d+ rows? affected$/)
    expect(run.stdout).toContain('| one |')
  })

  test('.timer takes only on or off', async () => {
    const run = await shell('.timer maybe\n')
    expect(run.stderr).toBe('Error: .timer takes on or off, not "maybe"\n')
    expect(run.code).toBe(1)
  })

  test('.show lists the settings', async () => {
    const run = await shell('.mode json\n.timer on\n.show\n')
    expect(run.stdout).toContain('        mode: json\n       timer: on\n consistency: weak\n')
  })
})

describe('node and cluster', () => {
  test('.status KEY shows that part of /status as a tree', async () => {
    const run = await shell('.status store\n')
    expect(run.stdout).toMatch(/^node_id: n1$/m)
    expect(run.stdout).toMatch(/^raft:\n(  .*\n)*  state: Leader$/m)
  })

  test('.nodes, .leader and .ready', async () => {
    const run = await shell('.nodes\n.leader\n.ready\n')
    expect(run.stdout).toContain(`n1:\n  addr: ${node.raftAddr}\n  api_addr: ${node.url}\n  id: n1\n  leader: true\n`)
    expect(run.stdout).toContain(`id: n1\nleader: true\n`)
    expect(run.stdout).toContain('[+]node ok\n[+]leader ok\n[+]store ok\n')
    expect(run.code).toBe(0)
  })

  test('.expvar shows counters; .expvar KEY only that group', async () => {
    const all = await shell('.expvar\n')
    expect(all.code, all.stderr).toBe(0)
    expect(all.stdout).toMatch(/^http:\n(  .*\n)*  request_requests: \d+$/m)
    expect(all.stdout).toMatch(/^store:$/m)
    const http = await shell('.expvar http\n')
    expect(http.stdout).toMatch(/^http:\n/)
    expect(http.stdout).not.toMatch(/^store:$/m)
  })

  test('.snapshot takes one; .snapshot takes only a number', async () => {
    const run = await shell(`INSERT INTO zebra(stripes) VALUES (3);\n.snapshot 0\n.snapshot x\n`)
    expect(run.stdout).toMatch(/(snapshot taken|nothing new to snapshot)\n$/)
    expect(run.stderr).toBe('Error: .snapshot takes a number of log entries to keep, not "x"\n')
  })

  test('.sysdump writes every node\'s status, nodes, readiness and counters to a file', async () => {
    const file = join(tempDataDir('raftlite-shell-'), 'sysdump.txt')
    const run = await shell(`.sysdump ${file}\n`)
    expect(run.stdout).toBe(`system dump of 1 node(s) written to ${file}\n`)
    const dump = readFileSync(file, 'utf8')
    for (const path of ['status?pretty', 'nodes?pretty', 'readyz', 'debug/vars']) expect(dump).toContain(`=== ${node.url}/${path}\n`)
    expect(dump).toContain('[+]node ok\n[+]leader ok\n[+]store ok\n')
    expect(JSON.parse(dump.split(`=== ${node.url}/status?pretty\n`)[1].split('\n\n===')[0]).store.node_id).toBe('n1')
  })

  test('.remove needs an id; a missing argument is a usage error', async () => {
    const run = await shell('.remove\n')
    expect(run.stderr).toBe('Error: usage: .remove ID\n')
  })
})

describe('help and mistakes', () => {
  test('.help lists every command with its arguments', async () => {
    const run = await shell('.help\n')
    for (const name of ['backup', 'blobarray', 'boot', 'changes', 'consistency', 'dump', 'exit', 'expvar', 'forcewrites', 'help', 'indexes', 'leader', 'mode', 'nodes', 'output', 'quit', 'read', 'ready', 'reap', 'remove', 'restore', 'schema', 'snapshot', 'status', 'stepdown', 'sysdump', 'tables', 'timer']) {
      expect(run.stdout).toMatch(new RegExp(`^\\.${name}\\b`, 'm'))
    }
    expect(run.stdout).toMatch(/^\.dump FILE \[TABLE,…\] +Write the database/m)
  })

  test('an unknown command suggests the nearest one and fails', async () => {
    const run = await shell('.tabels\n.schmea\n.frobnicate\n')
    expect(run.stderr).toBe(
      [
        'Error: unknown command ".tabels": did you mean ".tables"?',
        'Error: unknown command ".schmea": did you mean ".schema"?',
        'Error: unknown command ".frobnicate": enter ".help" for the list',
        '',
      ].join('\n'),
    )
    expect(run.code).toBe(1)
  })
})
