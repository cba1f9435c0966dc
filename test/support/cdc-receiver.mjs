// A CDC webhook receiver for tests, run as its own process:
//   node cdc-receiver.mjs <port> <file>
// Appends every POST it accepts to <file> as one JSON line {contentType, body}, so what was
// received survives the receiver being killed and restarted. POST /mode?status=500 makes it
// answer that status (recording nothing) until set back to 200. Prints `listening <port>`.
import { appendFileSync } from 'node:fs'
import { createServer } from 'node:http'

const [port, file] = [Number(process.argv[2]), process.argv[3]]
let status = 200
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    if (req.method === 'POST' && url.pathname === '/mode') {
      status = Number(url.searchParams.get('status') ?? 200)
      return res.writeHead(204).end()
    }
    if (req.method === 'POST') {
      if (status === 200) appendFileSync(file, JSON.stringify({ contentType: req.headers['content-type'] ?? '', body }) + '\n')
      return res.writeHead(status).end()
    }
    res.writeHead(404).end()
  })
})
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`))
