// On a real @hono/node-server: a data request's headers and body come from Node's message only
// while the request is still the one the server built for it. A gateway app that mounts the API
// and rewrites `Authorization` must be believed, as `c.req.header` believes it.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { bodySourceOf, readBodyText } from '../../src/http/read-body.ts'
import { headerReader } from '../../src/http/request-headers.ts'
import { serverIncoming } from '../../src/http/server-incoming.ts'

let server: ReturnType<typeof serve>
let base = ''

beforeAll(async () => {
  const api = new Hono()
  api.post('/echo', async (c) => {
    const incoming = serverIncoming(c.req.raw, c.env)
    const header = headerReader(c.req.raw, incoming)
    const body = await readBodyText(c.req.raw, 1 << 20, bodySourceOf(incoming), header)
    return c.json({ own: incoming !== undefined, authorization: header('authorization'), honoSays: c.req.header('authorization') ?? null, body })
  })
  const app = new Hono()
  // A gateway that maps the client's credential to another, for the API it mounts.
  app.use('/mapped/*', async (c, next) => {
    c.req.raw = new Request(c.req.raw.url.replace('/mapped', ''), { method: 'POST', headers: { Authorization: 'Basic bWFwcGVkOnB3' }, body: 'mapped body' })
    await next()
  })
  app.route('/', api)
  app.route('/mapped', api)
  await new Promise<void>((ready) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((done) => server.close(() => done())))

const post = async (path: string) =>
  (await fetch(`${base}${path}`, { method: 'POST', headers: { Authorization: 'Basic Y2xpZW50OnB3' }, body: 'client body' })).json()

test("the server's own request is read from Node's message, with the same answers", async () => {
  expect(await post('/echo')).toEqual({ own: true, authorization: 'Basic Y2xpZW50OnB3', honoSays: 'Basic Y2xpZW50OnB3', body: 'client body' })
})

test('a request a middleware put in its place is read as itself: its credential and its body', async () => {
  expect(await post('/mapped/echo')).toEqual({ own: false, authorization: 'Basic bWFwcGVkOnB3', honoSays: 'Basic bWFwcGVkOnB3', body: 'mapped body' })
})
