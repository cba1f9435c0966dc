// The edge node's options: rqlited flags from RAFTLITE_FLAGS, the object's name as node id, the
// Worker's host advertised, and clear refusals of what the edge cannot honour.
import { describe, expect, test } from 'vitest'
import { EDGE_DATA_DIR, edgeNodeOptions, splitFlags } from '../../../runtimes/workers/edge-options.ts'

describe('edgeNodeOptions', () => {
  test('the flags parse as on the command line; the node id is the name; the host is advertised', () => {
    const o = edgeNodeOptions('edge-1', '-fk -http-max-body 8388608 -raft-election-timeout 2s', '', 'db.example.workers.dev')
    expect(o).toMatchObject({
      dataDir: EDGE_DATA_DIR, nodeId: 'edge-1', foreignKeys: true, httpMaxBodyBytes: 8388608,
      raftElectionTimeoutMs: 2000, httpAdvAddr: 'db.example.workers.dev', raftAdvAddr: 'db.example.workers.dev',
    })
  })

  test('advertised addresses given as flags win over the host', () => {
    const o = edgeNodeOptions('edge-1', '-http-adv-addr api.example.com:443 -raft-adv-addr raft.example.com:443', '', 'h')
    expect(o).toMatchObject({ httpAdvAddr: 'api.example.com:443', raftAdvAddr: 'raft.example.com:443' })
  })

  test('joining servers needs the cluster secret, which is passed on', () => {
    expect(() => edgeNodeOptions('edge-1', '-join 10.0.0.1:4002 -raft-non-voter', '', 'h')).toThrow(
      /^RAFTLITE_FLAGS: -join needs the cluster secret at the edge/,
    )
    expect(edgeNodeOptions('edge-1', '-join 10.0.0.1:4002 -raft-non-voter', 's3cret', 'h')).toMatchObject({
      join: ['10.0.0.1:4002'], raftNonVoter: true, clusterSecret: 's3cret',
    })
  })

  test('flags the edge cannot honour are refused by name, with the reason', () => {
    const refused = (flags: string) => () => edgeNodeOptions('edge-1', flags, 's', 'h')
    expect(refused('-cpu-profile /tmp/p')).toThrow("RAFTLITE_FLAGS: flag -cpu-profile is not supported at the edge: profiling needs Node's inspector")
    expect(refused('-http-addr 127.0.0.1:4001')).toThrow(/flag -http-addr is not supported at the edge: the Worker's URL is the address/)
    expect(refused('-http-cert c.pem -http-key k.pem')).toThrow(/flag -http-cert is not supported at the edge: Cloudflare terminates TLS/)
    expect(refused('-cluster-secret-file /s')).toThrow(/set the RAFTLITE_CLUSTER_SECRET secret instead/)
    expect(refused('-auth users.json')).toThrow(/flag -auth is not supported at the edge/)
    expect(refused('-node-id edge-9')).toThrow("RAFTLITE_FLAGS: -node-id edge-9 differs from the Durable Object's name edge-1; the name is the node id")
    expect(edgeNodeOptions('edge-1', '-node-id edge-1', '', 'h').nodeId).toBe('edge-1')
  })

  test('bad flags get the daemon parser\'s own message', () => {
    expect(() => edgeNodeOptions('edge-1', '-no-such-flag', '', 'h')).toThrow(/^RAFTLITE_FLAGS: flag provided but not defined: -no-such-flag/)
    expect(() => edgeNodeOptions('edge-1', '-raft-election-timeout soon', '', 'h')).toThrow(/^RAFTLITE_FLAGS: invalid value "soon" for flag -raft-election-timeout/)
    expect(() => edgeNodeOptions('edge-1', '-version', '', 'h')).toThrow('-version and -h are not flags for a node')
  })

  test('the variable splits on spaces and keeps quoted words whole', () => {
    expect(splitFlags(` -a 1  -b "two words" -c 'x y' `)).toEqual(['-a', '1', '-b', 'two words', '-c', 'x y'])
    expect(splitFlags('')).toEqual([])
  })
})
