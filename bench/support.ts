import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One row of the benchmark table. */
export interface BenchRow {
  readonly benchmark: string
  readonly subject: string
  /** Operations (events, deliveries, verifications) per second. */
  readonly opsPerSec?: number
  /** Any other measured figure, named. */
  readonly figures?: Record<string, number | string>
  /** subject ÷ reference, when the row has a reference. */
  readonly ratio?: number
  /** The target, e.g. '>= 0.5'. */
  readonly target?: string
  readonly met?: boolean
}

/** A temp dir removed by the returned function. */
export function scratch(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rio-bench-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs `fn`, returning elapsed seconds. */
export async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Measures each subject `runs` times, taking turns (a, b, c, a, b, c…) so a burst of load from
 * elsewhere on the machine falls on all of them, after one untimed warm-up pass each (so every
 * subject runs JIT-compiled code, not just the one measured last). Returns each subject's median
 * rate and all its rates.
 */
export async function alternate<K extends string>(
  subjects: Record<K, { warmUp(): Promise<unknown>; measure(): Promise<number> }>,
  runs: number,
): Promise<Record<K, { rate: number; rates: number[] }>> {
  const keys = Object.keys(subjects) as K[]
  for (const key of keys) await subjects[key].warmUp()
  const rates = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as unknown as Record<K, number[]>
  for (let run = 0; run < runs; run++) {
    for (const key of keys) rates[key].push(await subjects[key].measure())
  }
  return Object.fromEntries(
    keys.map((key) => [key, { rate: median(rates[key]), rates: rates[key] }]),
  ) as Record<K, { rate: number; rates: number[] }>
}

/** The p-th percentile (0..100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2))

/** A payload about the size of a typical webhook (≈ 300 B as JSON). */
export function samplePayload(i: number) {
  return {
    id: i,
    ip: '127.0.0.1',
    author: { id: 4242, name: 'Ada Lovelace', email: 'ada@example.org' },
    content: 'I am not a spammer, I promise. This comment is long enough to look like a real one.',
    tags: ['rio', 'webhooks', 'benchmark'],
    createdAt: '2026-11-22T19:00:00.000Z',
  }
}
