import { describe, expect, test } from 'vitest'
import { formatUsage, parseRqlitedArgs, RQLITED_FLAGS, splitHostPort } from '../../src/cli/rqlited-flags.ts'
import type { RqlitedOptions, RqlitedParseResult } from '../../src/cli/rqlited-flags.ts'

function ok(...argv: string[]): { options: RqlitedOptions; dataDir: string; set: string[] } {
  const r = parseRqlitedArgs(argv)
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r.kind === 'error' ? r.message : r)}`)
  return r
}

function error(...argv: string[]): Extract<RqlitedParseResult, { kind: 'error' }> {
  const r = parseRqlitedArgs(argv)
  if (r.kind !== 'error') throw new Error(`expected error, got ${r.kind}`)
  return r
}

describe('defaults (rqlited 9.4.x)', () => {
  test('all defaults, resolved addresses and node id', () => {
    const { options: o, dataDir } = ok('data')
    expect(dataDir).toBe('data')
    expect(o).toMatchObject({
      nodeId: 'localhost:4002', httpAddr: 'localhost:4001', httpAdvAddr: 'localhost:4001',
      raftAddr: 'localhost:4002', raftAdvAddr: 'localhost:4002', join: [], joinAttempts: 5, joinInterval: 3000,
      bootstrapExpect: 0, bootstrapExpectTimeout: 120000, discoKey: 'rqlite', fk: false, autoVacuumInt: 0,
      autoOptimizeInt: 86_400_000, raftLogLevel: 'WARN', raftNonVoter: false, raftSnap: 8192, raftSnapWalSize: 4194304,
      raftSnapInt: 10000, raftHeartbeatTimeout: 1000, raftElectionTimeout: 1000, raftApplyTimeout: 10000,
      raftCommitTimeout: 50, raftLeaderLeaseTimeout: 0, raftShutdownStepdown: true, raftRemoveShutdown: false,
      raftClusterRemoveShutdown: false, raftReapNodeTimeout: 0, raftReapReadOnlyNodeTimeout: 0,
      clusterConnectTimeout: 30000, writeQueueCapacity: 1024, writeQueueBatchSize: 128, writeQueueTimeout: 50,
      writeQueueTx: false, extensionsPath: [], httpAllowOrigin: '', dbMaxRoConns: 256,
    })
  })

  test('every flag has a key in the options', () => {
    const { options } = ok('d')
    for (const f of RQLITED_FLAGS) if (f.key !== 'version') expect(options, f.name).toHaveProperty(f.key)
  })
})

describe('supported flags', () => {
  test('typical cluster node', () => {
    const { options: o, set } = ok('-node-id', '1', '-http-addr', '0.0.0.0:4001', '-http-adv-addr', 'host1:4001',
      '-raft-addr=0.0.0.0:4002', '--raft-adv-addr', 'host1:4002', '-fk', '-raft-snap', '8192', '-raft-snap-int=10s',
      '-write-queue-timeout', '100ms', '-http-max-body', '1048576',
      '-http-allow-origin', 'https://example.com', '/var/lib/rqlite')
    expect(o).toMatchObject({
      nodeId: '1', httpAddr: '0.0.0.0:4001', httpAdvAddr: 'host1:4001', raftAddr: '0.0.0.0:4002', raftAdvAddr: 'host1:4002',
      fk: true, raftSnap: 8192, raftSnapInt: 10000, writeQueueTimeout: 100, httpMaxBody: 1048576,
      httpAllowOrigin: 'https://example.com',
    })
    expect(set).toContain('fk')
  })

  test('-raft-timeout (9.x) and -raft-heartbeat-timeout (v10) share a key', () => {
    const keys = RQLITED_FLAGS.filter((f) => f.name === 'raft-timeout' || f.name === 'raft-heartbeat-timeout').map((f) => f.key)
    expect(keys).toEqual(['raftHeartbeatTimeout', 'raftHeartbeatTimeout'])
    expect(ok('-raft-timeout', '1s', 'd').options.raftHeartbeatTimeout).toBe(1000)
  })

  test('honoured flags parse', () => {
    expect(ok('-raft-commit-timeout', '1s', '-db-max-ro-conns', '8', 'd').options).toMatchObject({ raftCommitTimeout: 1000, dbMaxRoConns: 8 })
    expect(ok('-raft-election-timeout', '2s', '-raft-snap', '1024', 'd').options).toMatchObject({ raftElectionTimeout: 2000, raftSnap: 1024 })
    expect(ok('-join', 'a:1,b:2', '-raft-non-voter', 'd').options).toMatchObject({ join: ['a:1', 'b:2'], raftNonVoter: true })
  })

  test('the data directory defaults when the caller provides a default', () => {
    expect(parseRqlitedArgs([], { defaultDataDir: 'data' })).toMatchObject({ kind: 'ok', dataDir: 'data' })
    expect(parseRqlitedArgs([])).toMatchObject({ kind: 'error', message: 'fatal: no data directory set' })
  })

  test('-version', () => {
    expect(parseRqlitedArgs(['-version'])).toEqual({ kind: 'version' })
    expect(parseRqlitedArgs(['-version=false', 'd']).kind).toBe('ok')
  })

  test('-h / -help', () => {
    const r = parseRqlitedArgs(['-h'])
    expect(r.kind).toBe('help')
    if (r.kind === 'help') expect(r.usage).toContain('Usage: raftlited [flags] <data directory>')
  })
})

describe('unsupported flags', () => {
  test('every rqlited flag is supported (only -extensions-path refuses, saying why)', () => {
    expect(RQLITED_FLAGS.filter((f) => !f.supported).map((f) => f.name)).toEqual([])
  })

  test('-db-max-ro-conns below 1 is refused', () => {
    expect(error('-db-max-ro-conns', '0', 'd')).toMatchObject({ message: 'fatal: -db-max-ro-conns must be at least 1', exitCode: 1 })
  })

  test('-extensions-path is refused, saying why and what to do instead', () => {
    const r = error('-extensions-path', '/opt/ext/vec0.so', 'd')
    expect(r.exitCode).toBe(1)
    expect(r.message).toMatch(/^fatal: -extensions-path is not supported: SQLite extensions are native code/)
    expect(r.message).toContain('WebAssembly, which cannot load native code')
    expect(r.message).toContain('Register SQL functions from TypeScript instead')
  })

  test('setting to the default is accepted', () => {
    expect(ok('-raft-non-voter=false', '-disco-key', 'rqlite', '-raft-shutdown-stepdown', 'd').options.raftShutdownStepdown).toBe(true)
  })

  test('flag table marks the agreed set as supported', () => {
    const supported = RQLITED_FLAGS.filter((f) => f.supported).map((f) => f.name).sort()
    expect(supported).toEqual([
      'auth', 'auto-backup', 'auto-optimize-int', 'auto-restore', 'auto-vacuum-int', 'bootstrap-expect',
      'bootstrap-expect-timeout', 'cdc-config', 'cluster-connect-timeout', 'cluster-secret-file',
      'compress-snap-transport', 'cpu-profile', 'db-engine', 'db-max-ro-conns', 'db-query-timeout', 'disco-config', 'disco-key', 'disco-mode',
      'extensions-path', 'fk', 'http-addr', 'http-adv-addr', 'http-allow-origin', 'http-ca-cert', 'http-cert',
      'http-key', 'http-max-body', 'http-max-conns-per-client', 'http-max-params', 'http-max-result-bytes',
      'http-max-statements', 'http-read-header-timeout', 'http-read-timeout', 'http-verify-client',
      'http-verify-common-name', 'join', 'join-as', 'join-attempts', 'join-interval', 'log-format', 'log-level',
      'log-slow-request', 'mem-profile', 'metrics', 'node-ca-cert', 'node-cert', 'node-id', 'node-key',
      'node-no-verify', 'node-verify-client', 'node-verify-common-name', 'node-verify-server-name', 'on-disk-path',
      'otlp-endpoint', 'otlp-interval', 'raft-addr', 'raft-adv-addr', 'raft-apply-timeout',
      'raft-cluster-remove-shutdown', 'raft-commit-timeout', 'raft-election-timeout', 'raft-heartbeat-timeout', 'raft-leader-lease-timeout',
      'raft-log-level', 'raft-non-voter', 'raft-reap-node-timeout', 'raft-reap-read-only-node-timeout',
      'raft-remove-shutdown', 'raft-shutdown-stepdown', 'raft-snap', 'raft-snap-int', 'raft-snap-wal-size',
      'raft-timeout', 'shutdown-flush-timeout', 'trace-profile',
      'version', 'write-queue-batch-size', 'write-queue-capacity', 'write-queue-timeout', 'write-queue-tx',
    ])
  })
})

describe('logging and metrics flags', () => {
  test('-raft-log-level is accepted as rqlite spells it (issue 11), with a level flag and a format for the rest', () => {
    expect(ok('-raft-log-level', 'INFO', 'd').options.raftLogLevel).toBe('INFO')
    expect(ok('d').options).toMatchObject({ raftLogLevel: 'WARN', logLevel: 'INFO', logFormat: 'auto', logSlowRequest: 1000, metrics: true, otlpEndpoint: '' })
    expect(ok('-log-level', 'debug', '-log-format', 'json', '-metrics=false', 'd').options).toMatchObject({ logLevel: 'debug', logFormat: 'json', metrics: false })
  })

  test('bad values are refused with a message naming the flag and what is wanted', () => {
    expect(error('-raft-log-level', 'LOUD', 'd')).toMatchObject({ message: 'fatal: -raft-log-level: unknown level "LOUD" (want DEBUG, INFO, WARN, ERROR or OFF)', exitCode: 1 })
    expect(error('-log-level', '', 'd').message).toBe('fatal: -log-level: unknown level "" (want DEBUG, INFO, WARN, ERROR or OFF)')
    expect(error('-log-format', 'xml', 'd').message).toBe('fatal: -log-format: unknown format "xml" (want auto, json or text)')
    expect(error('-otlp-endpoint', 'collector:4318', 'd').message).toBe('fatal: -otlp-endpoint: want an http:// or https:// URL, got collector:')
    expect(error('-otlp-endpoint', 'not a url', 'd').message).toBe('fatal: -otlp-endpoint: not a URL: "not a url"')
    expect(error('-otlp-endpoint', 'http://c:4318/v1/metrics', '-otlp-interval', '0s', 'd').message).toBe('fatal: -otlp-interval must be greater than 0')
  })
})

describe('errors', () => {
  test('flag errors: Go text, exit 2, with usage', () => {
    const r = error('-foo', 'd')
    expect(r).toMatchObject({ message: 'flag provided but not defined: -foo', exitCode: 2, showUsage: true })
    expect(r.usage).toContain('  -http-addr string')
    expect(error('-raft-snap', 'x', 'd').message).toBe('invalid value "x" for flag -raft-snap: parse error')
    expect(error('-raft-snap-int', '10', 'd').message).toBe('invalid value "10" for flag -raft-snap-int: parse error')
  })

  test('missing data directory', () => {
    expect(error()).toMatchObject({ message: 'fatal: no data directory set', exitCode: 1, showUsage: false })
    expect(error('-fk').message).toBe('fatal: no data directory set')
  })

  test('arguments after the data directory', () => {
    expect(error('d', 'x', '-fk').message).toBe('arguments after data directory (d) are not accepted ([x -fk])')
    // `-fk false`: false becomes the data directory, then `d` is extra.
    expect(error('-fk', 'false', 'd').message).toBe('arguments after data directory (false) are not accepted ([d])')
  })

  test('address validation (Config.Validate)', () => {
    expect(error('-http-addr', 'localhost:4002', 'd').message).toBe('fatal: HTTP and Raft addresses must differ')
    expect(error('-http-addr', 'http://localhost:4001', 'd').message).toBe('fatal: HTTP options should not include protocol (http:// or https://)')
    expect(error('-http-addr', 'localhost', 'd').message).toBe('fatal: HTTP bind address not valid')
    expect(error('-http-addr', '0.0.0.0:4001', 'd').message).toBe(
      'fatal: advertised HTTP address is not routable (0.0.0.0), specify it via -http-addr or -http-adv-addr')
    expect(error('-raft-addr', ':abc', 'd').message).toBe('fatal: raft bind port not valid')
    expect(error('-raft-addr', '[::]:4002', 'd').message).toBe(
      'fatal: advertised Raft address is not routable (::), specify it via -raft-addr or -raft-adv-addr')
    expect(error('-http-adv-addr', 'h:1', '-raft-adv-addr', 'h:1', 'd').message).toBe('fatal: advertised HTTP and Raft addresses must differ')
  })
})

describe('usage', () => {
  test('header and some flag lines', () => {
    const u = formatUsage({ name: 'rqlited', description: 'rqlite is a lightweight, distributed relational database.' })
    expect(u.startsWith('\nrqlite is a lightweight, distributed relational database.\n\nUsage: rqlited [flags] <data directory>\n  -auth string\n')).toBe(true)
    expect(u).toContain('  -http-addr string\n    \tHTTP server bind address. To enable HTTPS, set X.509 certificate and key (default "localhost:4001")\n')
    expect(u).toContain('  -bootstrap-expect-timeout duration\n    \tMaximum time for bootstrap process (default 2m0s)\n')
    expect(u).toContain("  -auto-optimize-int duration\n    \tPeriod between automatic 'PRAGMA optimize'. Set to 0h to disable (default 24h0m0s)\n")
    expect(u).toContain('  -raft-snap uint\n    \tNumber of outstanding log entries which triggers Raft snapshot (default 8192)\n')
    expect(u).toContain('  -fk\n    \tEnable SQLite foreign key constraints\n')
    expect(u).toContain('  -raft-shutdown-stepdown\n    \tIf leader, stepdown before shutting down. Enabled by default (default true)\n')
    expect(u).toContain('  -extensions-path value\n')
  })

  test('splitHostPort', () => {
    expect(splitHostPort('localhost:4001')).toEqual(['localhost', '4001'])
    expect(splitHostPort(':4001')).toEqual(['', '4001'])
    expect(splitHostPort('[::1]:4001')).toEqual(['::1', '4001'])
    expect(splitHostPort('h:')).toEqual(['h', ''])
    expect(splitHostPort('::1:4001')).toBeUndefined()
    expect(splitHostPort('host')).toBeUndefined()
  })
})

describe('Raft timing from the flags', async () => {
  const { raftTiming } = await import('../../src/node/raft-timing.ts')
  test('heartbeats every tenth of the heartbeat timeout; elections and the lease in those ticks', () => {
    expect(raftTiming({ raftHeartbeatTimeoutMs: 1000, raftElectionTimeoutMs: 1000, raftLeaderLeaseTimeoutMs: 0 })).toEqual({ tickMs: 100, electionTick: 10, checkQuorumTick: 10 })
    expect(raftTiming({ raftHeartbeatTimeoutMs: 500, raftElectionTimeoutMs: 2000, raftLeaderLeaseTimeoutMs: 500 })).toEqual({ tickMs: 50, electionTick: 40, checkQuorumTick: 10 })
    expect(() => raftTiming({ raftHeartbeatTimeoutMs: 1000, raftElectionTimeoutMs: 1000, raftLeaderLeaseTimeoutMs: 5000 })).toThrow(/must not exceed/)
  })
})

test('-db-query-timeout: a Go duration, 5s by default, carried to the node options', async () => {
  const { nodeOptionsFromFlags } = await import('../../src/daemon/node-options-from-flags.ts')
  expect(ok('d').options.dbQueryTimeout).toBe(5000)
  expect(nodeOptionsFromFlags(ok('-db-query-timeout', '1m30s', 'd').options, 'd').dbQueryTimeoutMs).toBe(90_000)
  expect(nodeOptionsFromFlags(ok('-db-query-timeout=0s', 'd').options, 'd').dbQueryTimeoutMs).toBe(0)
  expect(error('-db-query-timeout', 'soon', 'd').message).toMatch(/invalid value "soon" for flag -db-query-timeout/)
  expect(formatUsage()).toMatch(/-db-query-timeout duration\n\s+Default time limit of each read statement/)
})

test('-db-engine: worker by default, worker-all or thread on request, anything else refused by name', async () => {
  const { nodeOptionsFromFlags } = await import('../../src/daemon/node-options-from-flags.ts')
  expect(nodeOptionsFromFlags(ok('d').options, 'd').dbEngine).toBe('worker')
  expect(nodeOptionsFromFlags(ok('-db-engine', 'thread', 'd').options, 'd').dbEngine).toBe('thread')
  expect(nodeOptionsFromFlags(ok('-db-engine', 'worker-all', 'd').options, 'd').dbEngine).toBe('worker-all')
  // One read-only connection allowed: no second one on the loop.
  expect(nodeOptionsFromFlags(ok('-db-max-ro-conns', '1', 'd').options, 'd').dbEngine).toBe('worker-all')
  expect(nodeOptionsFromFlags(ok('-db-max-ro-conns', '2', 'd').options, 'd').dbEngine).toBe('worker')
  expect(error('-db-engine', 'threads', 'd')).toMatchObject({ message: 'fatal: -db-engine must be worker, worker-all or thread, not "threads"', exitCode: 1 })
})
