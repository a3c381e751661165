import { describe, expect, it } from 'vitest'
import { eventId } from '../../src/events/event-id.js'
import { ManualClock, Rio } from '../../src/index.js'

/** The millisecond timestamp in a UUIDv7. */
const timeOf = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)

describe('eventId with a clock that gives fractions of a millisecond', () => {
  it('keeps ids in the order they were made within one millisecond', () => {
    // Later than any id made before in this process.
    const t = Date.parse('2098-01-01T00:00:00.000Z')
    const ids: string[] = []
    for (let i = 0; i < 200; i++) ids.push(eventId(t + i + 0.25), eventId(t + i + 0.75))
    expect([...ids].sort()).toEqual(ids)
    expect(timeOf(ids[0]!)).toBe(t)
    expect(timeOf(ids.at(-1)!)).toBe(t + 199)
  })

  it('lists events emitted half a millisecond apart newest first', async () => {
    const clock = new ManualClock(Date.parse('2098-06-01T00:00:00.000Z') + 0.25)
    const rio = new Rio({ database: ':memory:', clock })
    try {
      const emitted: string[] = []
      for (let i = 0; i < 40; i++) {
        emitted.push((await rio.emit('order.paid', { i })).id)
        await clock.advance(0.5)
      }
      const listed = await rio.listEvents({ limit: 100 })
      expect(listed.map((e) => e.id)).toEqual([...emitted].reverse())
    } finally {
      await rio.stop()
    }
  })
})
