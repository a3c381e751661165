import { describe, expect, it } from 'vitest'
import { splitIntoBatches } from '../src/batch.ts'
import { encodeEvent } from '../src/event.ts'

const event = (payload: unknown) => encodeEvent({ name: 'a', payload }, 1 << 20)

describe('splitIntoBatches', () => {
  it('keeps order and never exceeds the count or the byte limit', () => {
    const events = Array.from({ length: 50 }, (_, i) => event('x'.repeat(i * 7)))
    const batches = splitIntoBatches(events, 8, 2_000)
    expect(batches.flatMap((batch) => JSON.parse(batch.body).events)).toEqual(
      events.map((e) => JSON.parse(e.json)),
    )
    for (const batch of batches) {
      expect(batch.count).toBeLessThanOrEqual(8)
      expect(Buffer.byteLength(batch.body)).toBeLessThanOrEqual(2_000)
      expect(JSON.parse(batch.body).events).toHaveLength(batch.count)
    }
  })

  it('fills a batch exactly up to the byte limit', () => {
    const one = event('é') // counts 2 bytes for é
    const body = `{"events":[${one.json},${one.json}]}`
    expect(splitIntoBatches([one, one, one], 10, Buffer.byteLength(body)).map((b) => b.count)).toEqual([2, 1])
  })

  it('sends an event larger than the limit on its own', () => {
    const small = event(1)
    const large = event('x'.repeat(500))
    expect(splitIntoBatches([small, large, small], 10, 100).map((b) => b.count)).toEqual([1, 1, 1])
  })
})
