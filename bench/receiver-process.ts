// A webhook receiver in its own process, so the benchmark's receiver does not share Rio's core.
// Answers 200 to every request, counts them, and reports the count to the parent over IPC.
import { createServer } from 'node:http'

let count = 0
const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    count++
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' })
    res.end('ok')
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.send!({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 })
})
process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', count })
  if (message.type === 'reset') {
    count = 0
    process.send!({ type: 'reset' })
  }
})
process.on('disconnect', () => process.exit(0))
