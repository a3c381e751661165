import { describe, expect, it } from 'vitest'
import { sign, verify, verifyAsync, WebhookUsageError, WebhookVerificationError } from '../src/index.ts'
import { expectRefused } from './support/refusal.ts'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const body = '{"comment":{"id":1,"text":"hello"}}'
const timestamp = 1_700_000_000
const now = () => timestamp * 1000
const headers = sign({ id: 'msg_1', timestamp, body, secret })

describe('verify', () => {
  it('returns the body it was given, unparsed, when the signature matches', () => {
    const bytes = Buffer.from(body)
    const result = verify(bytes, headers, secret, { now })
    expect(result).toEqual({ id: 'msg_1', timestamp, body: bytes })
    expect(result.body).toBe(bytes)
  })

  it('accepts a Headers instance', () => {
    expect(verify(body, new Headers(headers), secret, { now }).id).toBe('msg_1')
  })

  it('accepts a Map-like with get()', () => {
    expect(verify(body, new Map(Object.entries(headers)), secret, { now }).id).toBe('msg_1')
  })

  it('accepts node-style string[] values and joins repeated webhook-signature lines', () => {
    const other = sign({ id: 'msg_1', timestamp, body, secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' })
    const split = {
      'webhook-id': ['msg_1'],
      'webhook-timestamp': String(timestamp),
      'webhook-signature': [other['webhook-signature'], headers['webhook-signature']],
    }
    expect(verify(body, split, secret, { now }).id).toBe('msg_1')
  })

  it('accepts repeated webhook-signature lines joined with ", " by Headers', () => {
    const other = sign({ id: 'msg_1', timestamp, body, secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' })
    const joined = new Headers({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp) })
    joined.append('webhook-signature', headers['webhook-signature'])
    joined.append('webhook-signature', other['webhook-signature'])
    expect(joined.get('webhook-signature')).toContain(', ')
    expect(verify(body, joined, secret, { now }).id).toBe('msg_1')
  })

  it('refuses a webhook-id sent twice with different values', async () => {
    const twice = { ...headers, 'webhook-id': ['msg_1', 'msg_2'] }
    await expectRefused(() => verify(body, twice, secret, { now }), 'malformed_header', 'webhook-id')
  })

  it('accepts a Uint8Array body that is not valid UTF-8', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x80])
    const signed = sign({ id: 'msg_bin', timestamp, body: bytes, secret })
    expect(verify(bytes, signed, secret, { now }).body).toBe(bytes)
    expect(() => verify(Buffer.from(bytes).toString(), signed, secret, { now })).toThrow(
      WebhookVerificationError,
    )
  })

  it('uses Date.now() when no clock is given', () => {
    const fresh = sign({ id: 'msg_now', timestamp: new Date(), body, secret })
    expect(verify(body, fresh, secret).id).toBe('msg_now')
  })

  it('turns the freshness check off with toleranceSeconds: Infinity', () => {
    expect(verify(body, headers, secret, { toleranceSeconds: Number.POSITIVE_INFINITY }).id).toBe('msg_1')
  })

  it('refuses a body over maxBodyBytes, counting UTF-8 bytes of a string', async () => {
    const text = 'é'.repeat(10) // 20 UTF-8 bytes
    const signed = sign({ id: 'msg_1', timestamp, body: text, secret })
    expect(verify(text, signed, secret, { now, maxBodyBytes: 20 }).body).toBe(text)
    await expectRefused(() => verify(text, signed, secret, { now, maxBodyBytes: 19 }), 'body_too_large')
    await expectRefused(
      () => verify(Buffer.from(text), signed, secret, { now, maxBodyBytes: 19 }),
      'body_too_large',
    )
  })

  it('refuses a parsed object as the body with a message about raw bytes', async () => {
    const error = await expectRefused(
      () => verify(JSON.parse(body) as unknown as string, headers, secret, { now }),
      'malformed_body',
    )
    expect(error.message).toMatch(/raw request body/)
  })

  it('refuses missing headers whatever the headers argument is', async () => {
    for (const nothing of [undefined, null, 42, 'webhook-id', {}]) {
      await expectRefused(
        () => verify(body, nothing as never, secret, { now }),
        'missing_header',
        'webhook-id',
      )
    }
  })

  it('refuses a signature with a non-ASCII look-alike of one of its characters, in both paths', async () => {
    const valid = headers['webhook-signature']
    const code = valid.charCodeAt(5)
    // Same low byte as the original character: equal if the text were compared as Latin-1 bytes.
    const altered = {
      ...headers,
      'webhook-signature': valid.slice(0, 5) + String.fromCharCode(0x100 + code) + valid.slice(6),
    }
    await expectRefused(
      () => verify(body, altered, secret, { now }),
      'no_matching_signature',
      'webhook-signature',
    )
    await expectRefused(
      () => verifyAsync(body, altered, secret, { now }),
      'no_matching_signature',
      'webhook-signature',
    )
  })

  it('refuses more than 32 signature entries', async () => {
    const many = { ...headers, 'webhook-signature': Array(33).fill(headers['webhook-signature']).join(' ') }
    await expectRefused(() => verify(body, many, secret, { now }), 'malformed_header', 'webhook-signature')
  })

  it('checks secrets before headers, and headers before freshness', async () => {
    await expectRefused(() => verify(body, {}, '', { now }), 'invalid_secret')
    const stale = { 'webhook-timestamp': '1' }
    await expectRefused(() => verify(body, stale, secret, { now }), 'missing_header', 'webhook-id')
  })

  it('never quotes the secret in an error message', async () => {
    const bad = 'whsec_this-is-not-base64-but-secret'
    const error = await expectRefused(() => verify(body, headers, bad, { now }), 'invalid_secret')
    expect(error.message).not.toContain('this-is-not')
  })

  it('stops accepting a secret once it is removed from the list', async () => {
    const old = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
    const signedWithOld = sign({ id: 'msg_1', timestamp, body, secret: old })
    expect(verify(body, signedWithOld, [secret, old], { now }).id).toBe('msg_1')
    await expectRefused(
      () => verify(body, signedWithOld, [secret], { now }),
      'no_matching_signature',
      'webhook-signature',
    )
  })

  it('treats an unprefixed secret as its UTF-8 bytes', () => {
    const signed = sign({ id: 'msg_1', timestamp, body, secret: 'correct horse battery staple' })
    expect(verify(body, signed, 'correct horse battery staple', { now }).id).toBe('msg_1')
  })

  it('explains a mismatch with what was compared', async () => {
    const error = await expectRefused(
      () => verify(`${body} `, headers, secret, { now }),
      'no_matching_signature',
      'webhook-signature',
    )
    expect(error.message).toMatch(/1 v1 signature\(s\) with 1 secret\(s\)/)
    expect(error.code).toBe('no_matching_signature')
  })

  it.each([
    ['now is not a function', { now: timestamp * 1000 }, /now must be a function .*got 1700000000000/],
    [
      'toleranceSeconds is a string',
      { toleranceSeconds: '300' },
      /toleranceSeconds must be a number >= 0, got "300"/,
    ],
    ['maxBodyBytes is a string', { maxBodyBytes: '5' }, /maxBodyBytes must be a number >= 0, got "5"/],
    ['toleranceSeconds is null', { toleranceSeconds: null }, /toleranceSeconds .* got null/],
    ['the options are a number', 300, /options must be an object .* got number/],
    ['the options are null', null, /options must be an object .* got null/],
  ])(
    'throws WebhookUsageError invalid_option when %s, in both paths, whatever the request',
    async (_name, options, message) => {
      const bad = options as never
      const usage = {
        name: 'WebhookUsageError',
        code: 'invalid_option',
        message: expect.stringMatching(message),
      }
      // A signed request and one without any header: the option is reported first either way.
      for (const request of [headers, {}]) {
        expect(() => verify(body, request, secret, bad)).toThrow(expect.objectContaining(usage))
        await expect(verifyAsync(body, request, secret, bad)).rejects.toMatchObject(usage)
      }
    },
  )

  it('throws WebhookUsageError for out-of-range options', () => {
    expect(() => verify(body, headers, secret, { toleranceSeconds: -1 })).toThrow(WebhookUsageError)
    expect(() => verify(body, headers, secret, { toleranceSeconds: Number.NaN })).toThrow(WebhookUsageError)
    expect(() => verify(body, headers, secret, { now: () => Number.NaN })).toThrow(WebhookUsageError)
    expect(() => verify(body, headers, secret, { maxBodyBytes: -1 })).toThrow(WebhookUsageError)
  })
})
