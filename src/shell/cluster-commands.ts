/** Dot-commands about the node and the cluster: status, nodes, leadership, snapshots. */
import { readJson } from '../api/json-reader.ts'
import { type DotCommand, printJsonTree, sendExpecting, UsageError } from './dot-command.ts'
import { visible } from './render-rows.ts'
import { field } from './result-view.ts'
import type { ShellContext } from './shell-context.ts'

export const clusterCommands: DotCommand[] = [
  {
    name: 'status',
    args: '[KEY]',
    help: 'Show status and diagnostics of the connected node (or one key of it)',
    run: (ctx, [key]) => printJsonTree(ctx, 'status', { key }),
  },
  {
    name: 'nodes',
    args: '[all]',
    help: 'Show the voting nodes of the cluster; "all" adds read-only nodes',
    run: (ctx, [all]) => {
      if (all !== undefined && all !== 'all') throw new UsageError('.nodes takes "all" or nothing')
      return printJsonTree(ctx, 'nodes', { nonvoters: all ? '' : undefined })
    },
  },
  { name: 'leader', args: '', help: 'Show the current leader', run: (ctx) => printJsonTree(ctx, 'leader') },
  { name: 'expvar', args: '[KEY]', help: 'Show the node\'s counters (/debug/vars)', run: (ctx, [key]) => printJsonTree(ctx, 'debug/vars', { key }) },
  { name: 'extensions', args: '', help: 'Show the SQLite extensions loaded', run: (ctx) => printJsonTree(ctx, 'status', { key: 'extensions' }) },
  {
    name: 'ready',
    args: '',
    help: 'Show whether the node is ready to serve (/readyz)',
    run: async (ctx) => {
      const res = await ctx.http.send({ path: 'readyz', signal: ctx.signal })
      const body = (await res.text()).trimEnd()
      if (res.status !== 200) throw new Error(`node not ready (${res.status}): ${body.replace(/\n/g, ' ')}`)
      await ctx.print(body.split('\n').map(visible))
    },
  },
  {
    name: 'remove',
    args: 'ID',
    help: 'Remove a node from the cluster',
    run: async (ctx, [id, ...extra]) => {
      if (id === undefined || extra.length > 0) throw new UsageError('usage: .remove ID')
      await sendExpecting(ctx, { method: 'DELETE', path: 'remove', headers: { 'Content-Type': 'application/json' }, body: () => JSON.stringify({ id }) })
      await ctx.print(`node ${id} removed\n`)
    },
  },
  {
    name: 'stepdown',
    args: '[ID]',
    help: 'Make the leader hand leadership over (to node ID if given) and wait for it',
    run: async (ctx, [id]) => {
      await sendExpecting(ctx, {
        method: 'POST',
        path: 'leader',
        query: { wait: 'true' },
        headers: id === undefined ? {} : { 'Content-Type': 'application/json' },
        body: id === undefined ? undefined : () => JSON.stringify({ id }),
      })
      await ctx.print('leadership transferred\n')
    },
  },
  {
    name: 'snapshot',
    args: '[TRAILING_LOGS]',
    help: 'Take a Raft snapshot now, keeping TRAILING_LOGS log entries',
    run: async (ctx, [trailing]) => {
      if (trailing !== undefined && !/^\d+$/.test(trailing)) throw new UsageError(`.snapshot takes a number of log entries to keep, not ${JSON.stringify(trailing)}`)
      const res = await sendExpecting(ctx, { method: 'POST', path: 'snapshot', query: { trailing_logs: trailing } }, [200, 204])
      await ctx.print(res.status === 204 ? 'nothing new to snapshot\n' : 'snapshot taken\n')
    },
  },
  {
    name: 'reap',
    args: '',
    help: 'Delete old snapshots and checkpoint WAL files on the node',
    run: async (ctx) => {
      const res = await sendExpecting(ctx, { method: 'POST', path: 'reap' })
      const node = readJson(await res.text())
      const count = (name: string) => {
        const f = field(node, name)
        return f?.t === 'num' ? f.raw : '0'
      }
      await ctx.print(`${count('snapshots_reaped')} snapshot(s) reaped, ${count('wals_checkpointed')} WAL(s) checkpointed\n`)
    },
  },
  {
    name: 'sysdump',
    args: 'FILE',
    help: 'Write every node\'s status, nodes, readiness and counters to FILE (for bug reports)',
    run: (ctx, [file]) => sysdump(ctx, file),
  },
]

async function sysdump(ctx: ShellContext, file: string | undefined): Promise<void> {
  if (file === undefined) throw new UsageError('usage: .sysdump FILE')
  const nodes = readJson(await (await sendExpecting(ctx, { path: 'nodes', query: { nonvoters: '' } })).text())
  // The API address of every node the cluster knows; the connected one if it knows none.
  const urls: string[] = []
  if (nodes.t === 'obj') {
    for (const [, node] of nodes.entries) {
      const api = field(node, 'api_addr')
      if (api?.t === 'str' && api.v !== '') urls.push(api.v.replace(/\/+$/, ''))
    }
  }
  if (urls.length === 0) urls.push(ctx.http.baseUrl.replace(/\/+$/, ''))
  const sink = await ctx.io.createFile(file)
  try {
    for (const base of urls) {
      for (const path of ['status?pretty', 'nodes?pretty', 'readyz', 'debug/vars']) {
        const url = `${base}/${path}`
        let body: string
        try {
          const res = await ctx.http.fetchUrl(url, ctx.signal)
          body = await res.text()
        } catch (e) {
          body = `failed: ${(e as Error).message}`
        }
        await sink.write(`=== ${url}\n${body.trimEnd()}\n\n`)
      }
    }
  } finally {
    await sink.close()
  }
  await ctx.print(`system dump of ${urls.length} node(s) written to ${file}\n`)
}
