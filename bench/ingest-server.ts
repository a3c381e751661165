// The server side of the ingest benchmark, in its own process as a real Rio would be: either a
// no-op node:http server answering 202, or a Rio (`full` or `normal` durability) with one sender.
// Prints one JSON line: { url, secret }.   node --import tsx ingest-server.ts <noop|full|normal> <dir>
import { createServer } from 'node:http'
import { join } from 'node:path'
import { Rio } from '@rio/core'

const [mode = 'noop', dir = '.'] = process.argv.slice(2)
if (mode === 'noop') {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end('{"id":"00000000-0000-7000-8000-000000000000","duplicate":false}')
    })
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, secret: '' })}\n`)
  })
} else {
  const rio = new Rio({
    database: join(dir, `${mode}.db`),
    synchronous: mode === 'normal' ? 'normal' : 'full',
  })
  const { secret } = await rio.createSender('bench', 'sender')
  await rio.webhook('comment-published', { url: 'http://127.0.0.1:9/not-dispatched', project: 'bench' })
  const server = await rio.listen({ port: 0 })
  process.stdout.write(`${JSON.stringify({ url: server.url, secret })}\n`)
}
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
