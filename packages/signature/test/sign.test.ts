import { describe, expect, it } from 'vitest'
import { generateKeyPair, sign, signAsync, verify, WebhookUsageError } from '../src/index.ts'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const input = { id: 'msg_1', timestamp: 1_700_000_000, body: '{"a":1}', secret }

function usageError(attempt: () => unknown): WebhookUsageError {
  try {
    attempt()
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookUsageError)
    return error as WebhookUsageError
  }
  throw new Error('expected a WebhookUsageError')
}

describe('sign', () => {
  it('returns exactly the three webhook headers', () => {
    expect(Object.keys(sign(input)).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp'])
  })

  it('takes a Date and signs its whole seconds', () => {
    const fromDate = sign({ ...input, timestamp: new Date(1_700_000_000_999) })
    expect(fromDate).toEqual(sign(input))
  })

  it('adds one signature per secret, in order, for rotation', () => {
    const next = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
    const both = sign({ ...input, secret: [secret, next] })['webhook-signature'].split(' ')
    expect(both).toEqual([
      sign(input)['webhook-signature'],
      sign({ ...input, secret: next })['webhook-signature'],
    ])
    const now = () => input.timestamp * 1000
    const headers = sign({ ...input, secret: [secret, next] })
    expect(verify(input.body, headers, next, { now }).id).toBe('msg_1')
    expect(verify(input.body, headers, secret, { now }).id).toBe('msg_1')
  })

  it('gives the same headers as signAsync for every kind of secret', async () => {
    const { secretKey } = generateKeyPair()
    const all = { ...input, secret: [secret, 'raw secret', secretKey] }
    expect(await signAsync(all)).toEqual(sign(all))
  })

  it.each([
    ['an empty id', { id: '' }, 'invalid_id'],
    ['an id with a dot', { id: 'msg.1' }, 'invalid_id'],
    ['an id with a space', { id: 'msg 1' }, 'invalid_id'],
    ['a fractional timestamp', { timestamp: 1.5 }, 'invalid_timestamp'],
    ['a negative timestamp', { timestamp: -1 }, 'invalid_timestamp'],
    ['a timestamp past the safe range', { timestamp: 2 ** 53 }, 'invalid_timestamp'],
    ['a timestamp in milliseconds', { timestamp: 1_700_000_000_000 }, 'invalid_timestamp'],
    ['an invalid Date', { timestamp: new Date(Number.NaN) }, 'invalid_timestamp'],
    ['an object body', { body: { a: 1 } }, 'invalid_body'],
    ['an empty secret', { secret: '' }, 'invalid_secret'],
    ['an empty secret list', { secret: [] }, 'invalid_secret'],
    ['a public key', { secret: 'whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' }, 'invalid_secret'],
    ['a non-base64 whsec_', { secret: 'whsec_***' }, 'invalid_secret'],
  ])('refuses %s with %s', async (_name, change, code) => {
    const bad = { ...input, ...change } as Parameters<typeof sign>[0]
    expect(usageError(() => sign(bad)).code).toBe(code)
    await expect(signAsync(bad)).rejects.toMatchObject({ name: 'WebhookUsageError', code })
  })
})
