import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import { makeRio, onCleanup, waitUntil } from '../../core/test/helpers.js'
import { createLogger, logRio } from '../src/logging.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A logger at `level` whose lines land in the returned array. */
function capture(level: string) {
  const lines: Array<{ name: string; level: number; msg: string }> = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)))
      done()
    },
  })
  return { lines, logger: createLogger({ level, destination }) }
}

describe('logRio', () => {
  it('redacts the credentials of a redirect target in RESPONSE, RETRY and DEAD lines', async () => {
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    const secretUser = 'redir-user-token-7q'
    const secretQuery = 'redir-query-secret-9z'
    receiver.respond(() => ({
      status: 302,
      headers: {
        location: `https://${secretUser}@elsewhere.example/next?access_token=${secretQuery}&page=2`,
      },
    }))
    const rio = makeRio({ retrySchedule: [0, 0], retryJitter: 0 })
    const { lines, logger } = capture('debug')
    onCleanup(logRio(rio, logger))
    await rio.webhook('order.*', { url: `${receiver.url}/hook`, name: 'erp' })
    await rio.start()
    await rio.emit('order.paid', {})
    await waitUntil(() => lines.some((l) => l.msg.startsWith('DEAD ')), 'the DEAD line')
    // Rio stores the target with every query value hidden; the log line redacts URLs in error text too.
    const shown = 'https://***@elsewhere.example/next?access_token=***&page=***'
    for (const kind of ['RESPONSE', 'RETRY', 'DEAD'])
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: expect.stringMatching(`^${kind} .*${shown.replace(/[?*.]/g, '\\$&')}`),
        }),
      )
    const text = JSON.stringify(lines)
    expect(text).not.toContain(secretUser)
    expect(text).not.toContain(secretQuery)
  })
})
