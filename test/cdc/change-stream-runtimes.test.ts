// /db/changes over SSE and WebSocket on Deno and Bun (their own servers and upgrade helpers).
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { execute } from '../support/cluster-processes.ts'
import { startRaftlited } from '../support/raftlited-process.ts'
for (const runtime of ['deno', 'bun'] as const) {
  it(runtime, async () => {
    const node = await startRaftlited({ runtime, args: ['-node-id', '1', '-cdc-config', 'stream'] })
    try {
      await execute(node.url, ['CREATE TABLE a (v)', 'INSERT INTO a VALUES(1)'])
      const ws = new WebSocket(`${node.url.replace('http', 'ws')}/db/changes?since=0`)
      const msg = await new Promise<string>((resolve, reject) => { ws.on('message', (d) => resolve(String(d))); ws.on('error', reject) })
      ws.close()
      expect(JSON.parse(msg).events[0].after).toEqual({ v: 1 })
      const res = await fetch(`${node.url}/db/changes?since=0`)
      const reader = res.body!.getReader()
      let text = ''
      while (!text.includes('data:')) text += new TextDecoder().decode((await reader.read()).value)
      await reader.cancel()
      expect(text).toContain('"after":{"v":1}')
    } finally { await node.stop('SIGKILL') }
  }, 60_000)
}
