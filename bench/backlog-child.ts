// Measures in a fresh process (so its RSS is this process's alone, not the backlog builder's): opens
// a Rio on the given file, starts dispatching, emits `warmup` durable events untimed (so the JIT and
// SQLite's cache are warm), then times `events` more, and prints
// `{ rate, rssMb, baseRssMb }` as JSON, baseRssMb being the RSS before Rio is loaded (node + tsx).
//   node --import tsx backlog-child.ts <file> <hanging-url> <events> <warmup>
import { samplePayload, timed } from './support.js'

const [file = '', url = '', eventsArg = '20000', warmupArg = '0'] = process.argv.slice(2)
const events = Number(eventsArg)
const warmup = Number(warmupArg)
const baseRss = process.memoryUsage().rss
const { Rio } = await import('@rio/core')
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
const emit = async (count: number, from: number) => {
  for (let i = 0; i < count; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, count - i) }, (_, k) =>
        rio.emit('comment-published', samplePayload(from + i + k)),
      ),
    )
  }
}
await emit(warmup, events)
const seconds = await timed(() => emit(events, 0))
clearInterval(sampler)
rss = Math.max(rss, process.memoryUsage().rss)
await rio.stop()
const mb = (bytes: number) => bytes / 1024 / 1024
process.stdout.write(
  `${JSON.stringify({ rate: events / seconds, rssMb: mb(rss), baseRssMb: mb(baseRss) })}\n`,
)
