// Runs every benchmark in turn (bounded in count and time, all traffic on 127.0.0.1), prints one
// table with each reference measured in the same run, and saves the rows as JSON.
//   pnpm bench                 all of them
//   pnpm bench emit latency    only those named
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { type BenchRow, fmt } from './support.js'

// Loaded one at a time, so a benchmark's imports cost nothing when it is not run.
const benches: Record<string, () => Promise<BenchRow[]>> = {
  emit: async () => (await import('./emit.js')).runEmitBench(),
  'end-to-end': async () => (await import('./end-to-end.js')).runEndToEndBench(),
  latency: async () => (await import('./latency.js')).runLatencyBench(),
  ingest: async () => (await import('./ingest.js')).runIngestBench(),
  signature: async () => {
    const results = await (await import('./signature.js')).runSignatureBench()
    const rows: BenchRow[] = []
    for (const bytes of [...new Set(results.map((r) => r.bodyBytes))]) {
      const size = bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`
      const of = (name: string) => results.find((r) => r.bodyBytes === bytes && r.name.startsWith(name))
      for (const r of results.filter((r) => r.bodyBytes === bytes)) {
        rows.push({
          benchmark: `verify ${size}`,
          subject: r.name,
          opsPerSec: r.opsPerSec,
          ratio: r.ratioToRaw,
        })
      }
      const rio = of('@rio/signature')
      const sw = of('standardwebhooks')
      if (rio)
        rows.push({
          benchmark: `verify ${size}`,
          subject: 'Rio ÷ raw',
          ratio: rio.ratioToRaw,
          target: '>= 0.80',
          met: rio.ratioToRaw >= 0.8,
        })
      if (rio && sw) {
        const want = bytes >= 1024 ? 8 : 3
        const ratio = rio.opsPerSec / sw.opsPerSec
        rows.push({
          benchmark: `verify ${size}`,
          subject: 'Rio ÷ standardwebhooks',
          ratio,
          target: `>= ${want}`,
          met: ratio >= want,
        })
      }
    }
    return rows
  },
  'fan-out': async () => (await import('./fan-out.js')).runFanOutBench(),
  backlog: async () => (await import('./backlog.js')).runBacklogBench(),
  'many-handlers': async () => (await import('./many-handlers.js')).runManyHandlersBench(),
}

const wanted = process.argv.slice(2)
const rows: BenchRow[] = []
const started = Date.now()
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue
  process.stderr.write(`running ${name}…\n`)
  const t = Date.now()
  rows.push(...(await run()))
  process.stderr.write(`  ${name} took ${((Date.now() - t) / 1000).toFixed(1)} s\n`)
}

const lines = [
  '| benchmark | subject | ops/s | ratio | other figures | target | met |',
  '| --- | --- | ---: | ---: | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.benchmark} | ${r.subject} | ${r.opsPerSec === undefined ? '' : fmt(r.opsPerSec)} | ${
        r.ratio === undefined ? '' : r.ratio.toFixed(2)
      } | ${Object.entries(r.figures ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`,
  ),
]
process.stdout.write(`${lines.join('\n')}\n`)
const dir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(dir, { recursive: true })
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  seconds: (Date.now() - started) / 1000,
  rows,
}
writeFileSync(`${dir}/latest.json`, `${JSON.stringify(result, null, 2)}\n`)
process.stderr.write(`done in ${result.seconds.toFixed(0)} s; saved bench/results/latest.json\n`)
