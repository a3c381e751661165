// Measures in a fresh process (so its RSS is Rio's, not the backlog builder's): opens a Rio on
// the given file, starts dispatching, emits `events` durable events, and prints
// `{ rate, rssMb }` as JSON.  node --import tsx backlog-child.ts <file> <hanging-url> <events>
import { Rio } from '../packages/core/src/index.js'
import { samplePayload, timed } from './support.js'

const [file = '', url = '', eventsArg = '20000'] = process.argv.slice(2)
const events = Number(eventsArg)
const rio = new Rio({
  database: file,
  synchronous: 'full',
  timeoutMs: 600_000,
  leaseMs: 900_000,
  stopTimeoutMs: 0,
})
await rio.webhook('backlog', { url, name: 'backlog' })
await rio.webhook('comment-published', { url, name: 'fresh' })
await rio.start()
let rss = process.memoryUsage().rss
const sampler = setInterval(() => {
  rss = Math.max(rss, process.memoryUsage().rss)
}, 20)
const seconds = await timed(async () => {
  for (let i = 0; i < events; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, events - i) }, (_, k) =>
        rio.emit('comment-published', samplePayload(i + k)),
      ),
    )
  }
})
clearInterval(sampler)
rss = Math.max(rss, process.memoryUsage().rss)
await rio.stop()
process.stdout.write(`${JSON.stringify({ rate: events / seconds, rssMb: rss / 1024 / 1024 })}\n`)
