import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Delivery, Rio } from '../../../core/src/index.js'
import { runRio as rio } from '../support/run-rio.js'

/** Longer than any excerpt the tables used to cut to, with its distinctive end last. */
const LONG_ERROR =
  'the ledger refused order 7: currency EUR is not configured for account 1234 (LEDGER_CURRENCY)'
const SECRET_URL = 'http://ops:hunter2@127.0.0.1:9/hook?token=abc123&team=erp'

describe('rio deliveries list', () => {
  let dir: string
  let db: string[]
  let deliveries: Delivery[]
  let paused: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rio-cli-deliveries-'))
    const database = join(dir, 'rio.db')
    db = ['--database', database]
    // The first failure schedules a retry a minute later: the delivery stays pending, one attempt made.
    const engine = new Rio({ database, retrySchedule: [0, 60_000], retryJitter: 0, pollIntervalMs: 20 })
    try {
      // A webhook with the default name (`<pattern> <url>`), disabled once its delivery is made: that
      // delivery waits, never attempted.
      const webhook = await engine.webhook('order.*', { url: SECRET_URL })
      paused = webhook.id
      engine.on('order.*', 'ledger', async () => {
        throw new Error(LONG_ERROR)
      })
      engine.on('order.*', 'audit', async () => {})
      await engine.emit('order.paid', { order: 7, note: 'x'.repeat(80), end: 'END-OF-PAYLOAD' })
      await engine.disableHandler(webhook.id)
      await engine.start()
      for (;;) {
        deliveries = await engine.listDeliveries()
        if (deliveries.filter((d) => d.attempts > 0).length === 2) break
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    } finally {
      await engine.stop()
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('prints every value whole, the last column included, when its output is piped', async () => {
    const { code, out } = await rio(['deliveries', 'list', ...db])
    expect(code).toBe(0)
    expect(out).toContain(LONG_ERROR)
    expect(out).not.toContain('…')
    const events = await rio(['events', 'list', ...db])
    expect(events.out).toContain('"end":"END-OF-PAYLOAD"}')
    const ledger = deliveries.find((d) => d.lastError?.includes(LONG_ERROR))!
    const shown = await rio(['deliveries', 'show', ledger.id, ...db])
    expect(shown.out.split(LONG_ERROR)).toHaveLength(3) // the delivery's last error and the attempt's
  })

  it('fits a terminal, ending every cut cell with …, and cuts nothing on a wide one', async () => {
    for (const args of [
      ['deliveries', 'list'],
      ['events', 'list'],
      ['handler', 'list'],
    ]) {
      const narrow = await rio([...args, ...db], { columns: 140 })
      expect(narrow.code, narrow.err).toBe(0)
      const lines = narrow.out.trimEnd().split('\n')
      for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(140)
      expect(narrow.out, args.join(' ')).toContain('…')
      const wide = await rio([...args, ...db], { columns: 1000 })
      expect(wide.out, args.join(' ')).not.toContain('…')
    }
    const { out } = await rio(['deliveries', 'list', ...db], { columns: 140 })
    const last = out.split('\n').find((line) => line.includes('the ledger'))!
    expect(last).toMatch(/the ledger[^…]*…$/)
    expect((await rio(['deliveries', 'list', ...db], { columns: 1000 })).out).toContain(LONG_ERROR)
  })

  it('names each handler, redacted like `handler list`; the id stays in --json and `show`', async () => {
    const { out } = await rio(['deliveries', 'list', ...db])
    expect(out).toMatch(/^ID +EVENT +HANDLER +STATUS/)
    expect(out).toContain('order.* http://ops:***@127.0.0.1:9/hook?token=***&team=erp')
    expect(out).not.toContain('hunter2')
    expect(out).not.toContain('abc123')
    expect(out).toMatch(/ ledger +pending/)
    expect(out).toMatch(/ audit +succeeded/)
    const listed = JSON.parse((await rio(['deliveries', 'list', '--json', ...db])).out) as Delivery[]
    expect(listed.find((d) => d.handlerId === paused)).toMatchObject({ status: 'pending', attempts: 0 })
    const waiting = deliveries.find((d) => d.handlerId === paused)!
    const shown = await rio(['deliveries', 'show', waiting.id, ...db])
    expect(shown.out).toMatch(/HANDLER +HANDLER ID/)
    expect(shown.out).toContain(paused)
  })

  it('lists with --status retrying the pending deliveries that have failed at least once', async () => {
    const { code, out, err } = await rio(['deliveries', 'list', '--status', 'retrying', '--json', ...db])
    expect(code, err).toBe(0)
    const retrying = JSON.parse(out) as Delivery[]
    expect(retrying.map((d) => [d.status, d.attempts, d.lastError])).toEqual([
      ['pending', 1, expect.stringContaining(LONG_ERROR)],
    ])
    const pending = JSON.parse(
      (await rio(['deliveries', 'list', '--status', 'pending', '--json', ...db])).out,
    )
    expect(pending).toHaveLength(2) // the retrying one and the one never attempted
  })

  it.each([
    [
      ['--status', 'failing'],
      /^rio: --status must be one of pending, retrying, in_flight, succeeded, dead, cancelled, got "failing"\nhint: `retrying` lists/,
    ],
    [
      ['--limit', '0'],
      /^rio: --limit must be a positive whole number, got "0"\nhint: run the command with --help/,
    ],
    [
      ['--since', 'soon'],
      /^rio: cannot read the time "soon"\nhint: give an ISO date or a span like 2h or 3d/,
    ],
  ])('refuses %j with exit 2, the message and a hint line', async (option, message) => {
    const { code, out, err } = await rio(['deliveries', 'list', ...option, ...db])
    expect(code).toBe(2)
    expect(out).toBe('')
    expect(err).toMatch(message)
    const json = await rio(['deliveries', 'list', ...option, '--json', ...db])
    expect(JSON.parse(json.err)).toMatchObject({ error: { code: 'usage', hint: expect.any(String) } })
  })

  it.each([['pending'], ['retrying'], ['succeeded']])(
    'refuses --failed with --status %s (exit 2, a hint line) instead of letting --failed win',
    async (status) => {
      const { code, out, err } = await rio(['deliveries', 'list', '--failed', '--status', status, ...db])
      expect(code, err).toBe(2)
      expect(out).toBe('')
      expect(err).toMatch(
        new RegExp(
          `^rio: --failed lists dead deliveries, so it cannot be combined with --status ${status}\nhint: give one of them: --failed \\(the same as --status dead\\), or --status ${status} alone\n$`,
        ),
      )
      const json = await rio(['deliveries', 'list', '--status', status, '--failed', '--json', ...db])
      expect(json.code).toBe(2)
      expect(JSON.parse(json.err)).toMatchObject({
        error: { code: 'usage', message: expect.stringContaining('--failed'), hint: expect.any(String) },
      })
    },
  )

  it('takes --failed with --status dead, which says the same thing', async () => {
    const both = await rio(['deliveries', 'list', '--failed', '--status', 'dead', '--json', ...db])
    expect(both.code, both.err).toBe(0)
    const dead = await rio(['deliveries', 'list', '--status', 'dead', '--json', ...db])
    expect(JSON.parse(both.out)).toEqual(JSON.parse(dead.out))
  })
})

describe('rio recover', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a --since in the future (a year typed wrong) with exit 2, naming the time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-recover-'))
    dirs.push(dir)
    const database = join(dir, 'rio.db')
    const engine = new Rio({ database })
    const handler = await engine.webhook('order.*', { url: 'http://127.0.0.1:9/hook' })
    await engine.stop()

    const { code, out, err } = await rio([
      'recover',
      '--handler',
      handler.id,
      '--since',
      '2062-01-01',
      '--database',
      database,
    ])
    expect(code, err).toBe(2)
    expect(out).toBe('')
    expect(err).toMatch(/^rio: since 2062-01-01T00:00:00\.000Z is in the future \(the clock reads /)
    expect(err).toMatch(/give a time in the past \(is the year right\?\), or leave since out/)
    const json = await rio([
      'recover',
      '--handler',
      handler.id,
      '--since',
      '2062-01-01',
      '--json',
      '--database',
      database,
    ])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.err)).toMatchObject({ error: { code: 'invalid_argument' } })

    const past = await rio(['recover', '--handler', handler.id, '--since', '1d', '--database', database])
    expect(past.code, past.err).toBe(0)
    expect(past.out).toBe('re-queued 0 dead deliveries\n')
  })
})
