// CDC on Deno and Bun: the webhook, and /db/changes over SSE and WebSocket (their own servers and upgrade helpers).
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import { execute } from '../support/cluster-processes.ts'
import { startRaftlited } from '../support/raftlited-process.ts'
import { CdcReceiver } from '../support/cdc-receiver.ts'
import { waitFor } from '../support/cluster-processes.ts'
for (const runtime of ['deno', 'bun'] as const) {
  it(runtime, async () => {
    const receiver = await CdcReceiver.start()
    const node = await startRaftlited({ runtime, args: ['-node-id', '1', '-cdc-config', receiver.url] })
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
      const groups = await waitFor('the webhook', async () => receiver.groups().length > 0 && receiver.groups())
      expect(groups[0].events).toEqual([{ op: 'INSERT', table: 'a', new_row_id: 1, after: { v: 1 } }])
    } finally { await node.stop('SIGKILL') }
  }, 60_000)
}
