import fc from 'fast-check'
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
    ['an id with a non-ASCII letter', { id: 'msg_ł' }, 'invalid_id'],
    ['an id with a Latin-1 letter', { id: 'msg_é' }, 'invalid_id'],
    ['an id with a control character', { id: 'msg_\u0000' }, 'invalid_id'],
    ['an id with DEL', { id: 'msg_\u007f' }, 'invalid_id'],
    ['a non-string id', { id: 42 }, 'invalid_id'],
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

  it.each([
    ['msg_ł', '"msg_ł" has the non-ASCII character "ł" (U+0142) at index 4'],
    ['msg_\u0007x', '"msg_\\u0007x" has the control character U+0007 at index 4'],
    ['msg.1', '"msg.1" has "." at index 3'],
    ['msg 1', '"msg 1" has a space at index 3'],
    ['', 'the id is empty'],
  ])('names what is wrong with the id %j', (id, problem) => {
    const error = usageError(() => sign({ ...input, id }))
    expect(error.message).toContain(problem)
    expect(error.message).toContain('printable ASCII without ".", "," or spaces')
  })

  it('signs only ids that fetch can send as a header and verify() accepts', () => {
    const now = () => input.timestamp * 1000
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), (id) => {
        let headers: ReturnType<typeof sign>
        try {
          headers = sign({ ...input, id })
        } catch (error) {
          expect(error).toMatchObject({ name: 'WebhookUsageError', code: 'invalid_id' })
          return
        }
        const sent = new Headers(headers)
        expect(sent.get('webhook-id')).toBe(id)
        expect(verify(input.body, sent, secret, { now }).id).toBe(id)
      }),
      { numRuns: 500, examples: [['msg_ł'], ['msg_é'], ['msg\u0001'], ['msg_2KWPBgLlAfxdpx2AI54pPJ85f4W']] },
    )
  })
})
