import { describe, expect, it } from 'vitest'
import { runFunction } from '../../src/dispatch/function-runner.js'
import { RetryLaterError, type RioEvent, UnrecoverableError } from '../../src/index.js'
import { makeRio, waitUntil } from '../helpers.js'

const event: RioEvent = {
  id: '01a00000-0000-7000-8000-000000000000',
  project: 'default',
  name: 'x',
  payload: {},
  createdAt: new Date(0),
  idempotencyKey: null,
}

function run(thrown: () => unknown) {
  return runFunction(
    async () => {
      throw thrown()
    },
    event,
    { deliveryId: '1', attempt: 1, timeoutMs: 1000, signal: new AbortController().signal },
  )
}

const revoked = Proxy.revocable({}, {})
revoked.revoke()

describe('runFunction', () => {
  it.each([
    ['an Error', () => new TypeError('bad input'), 'TypeError: bad input'],
    ['a string', () => 'nope', 'threw nope'],
    ['null', () => null, 'threw null'],
    ['an object without a prototype', () => Object.create(null), 'threw [object Object]'],
    [
      'an object whose toString throws',
      () => ({
        toString() {
          throw new Error('no')
        },
      }),
      'threw [object Object]',
    ],
    [
      'an Error whose message getter throws',
      () =>
        Object.defineProperty(new Error(), 'message', {
          get() {
            throw new Error('no')
          },
        }),
      'threw [object Error]',
    ],
    ['a revoked Proxy', () => revoked.proxy, 'threw a value that cannot be described'],
  ])('resolves with a failure when the function throws %s', async (_what, thrown, error) => {
    const result = await run(thrown)
    expect(result).toMatchObject({ ok: false, error, timedOut: false, unrecoverable: false })
  })

  it('still recognises UnrecoverableError and RetryLaterError', async () => {
    expect(await run(() => new UnrecoverableError('gone'))).toMatchObject({ unrecoverable: true })
    expect(await run(() => new RetryLaterError(1234))).toMatchObject({ requestedDelayMs: 1234 })
  })
})

describe('function handlers that throw values String() cannot describe', () => {
  it('records each attempt as a failure and retries on the schedule until dead', async () => {
    const rio = makeRio({ retrySchedule: [0, 10, 10] })
    let calls = 0
    rio.on('x', 'f', async () => {
      calls++
      throw Object.create(null)
    })
    await rio.start()
    const { id } = await rio.emit('x', {})

    const d = await waitUntil(async () => {
      const [delivery] = await rio.listDeliveries({ eventId: id })
      return delivery?.status === 'dead' ? delivery : undefined
    }, 'the delivery to be dead')
    expect(calls).toBe(3)
    expect(d).toMatchObject({ attempts: 3, lastError: 'threw [object Object]' })
    expect((await rio.listAttempts(d.id)).map((a) => a.error)).toEqual(Array(3).fill('threw [object Object]'))
    expect(rio.inFlight).toBe(0)
  })
})
