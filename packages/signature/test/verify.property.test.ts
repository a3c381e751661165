import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sign, verify, verifyAsync, WebhookVerificationError } from '../src/index.ts'

const now = () => 1_700_000_000_000
const validSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const publicKey = 'whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='

// Values that look like header values, plus the shapes that are not.
const headerValue = fc.oneof(
  fc.string(),
  fc.constantFrom('1700000000', '1699999999', '0', '1e9', ' 1700000000', '17000000000000000000'),
  fc.constantFrom('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=', 'v1a,AAAA', 'v1,', ',', ' '),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constant(undefined),
  fc.integer(),
)
const headerName = fc.oneof(
  fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature', 'Webhook-Id', 'WEBHOOK-SIGNATURE'),
  fc.string(),
)
// Mostly-valid requests, so the generated cases reach the freshness and signature checks too.
const payload = '{"a":1}'
const signed = sign({ id: 'msg_1', timestamp: 1_700_000_000, body: payload, secret: validSecret })
const signedV1a = sign({
  id: 'msg_1',
  timestamp: 1_700_000_000,
  body: payload,
  secret: 'whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=',
})
const nearlyValid = fc.record(
  {
    'webhook-id': fc.oneof({ arbitrary: fc.constant('msg_1'), weight: 4 }, headerValue),
    'webhook-timestamp': fc.oneof(
      { arbitrary: fc.constantFrom('1700000000', '1700000000', '1700000300', '1699999000'), weight: 4 },
      headerValue,
    ),
    'webhook-signature': fc.oneof(
      {
        arbitrary: fc.constantFrom(
          signed['webhook-signature'],
          signedV1a['webhook-signature'],
          `${signed['webhook-signature']} ${signedV1a['webhook-signature']}`,
        ),
        weight: 4,
      },
      headerValue,
    ),
  },
  { requiredKeys: ['webhook-id', 'webhook-timestamp', 'webhook-signature'] },
)
const headers = fc.oneof(
  { arbitrary: nearlyValid, weight: 4 },
  fc.dictionary(headerName, headerValue),
  fc.dictionary(headerName, fc.string()).map((record) => new Map(Object.entries(record))),
  fc.anything(),
)
const body = fc.oneof(
  { arbitrary: fc.constantFrom(payload, Buffer.from(payload)), weight: 6 },
  fc.string(),
  fc.uint8Array(),
  fc.anything(),
)
const secret = fc.oneof(
  { arbitrary: fc.constantFrom(validSecret, publicKey, [publicKey, validSecret]), weight: 3 },
  fc.constantFrom('', 'whsec_', 'whsk_AAAA'),
  fc.string(),
  fc.array(fc.constantFrom(validSecret, publicKey, ''), { maxLength: 3 }),
  fc.anything(),
)

type Outcome = { ok: true; id: string } | { ok: false; reason: string; header: string | undefined }

function outcome(error: unknown): Outcome {
  if (!(error instanceof WebhookVerificationError)) throw error
  return { ok: false, reason: error.reason, header: error.header }
}

describe('verify and verifyAsync on arbitrary input', () => {
  it('throw nothing but WebhookVerificationError, and agree with each other', async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(body, headers, secret, async (anyBody, anyHeaders, anySecret) => {
        const args = [anyBody, anyHeaders, anySecret, { now }] as unknown as Parameters<typeof verify>
        let sync: Outcome
        try {
          sync = { ok: true, id: verify(...args).id }
          accepted++
        } catch (error) {
          sync = outcome(error)
        }
        const async = await verifyAsync(...args).then(({ id }): Outcome => ({ ok: true, id }), outcome)
        expect(async).toEqual(sync)
      }),
      { numRuns: 2000 },
    )
    // The generators must reach success too, or the property only exercises header parsing.
    expect(accepted).toBeGreaterThan(20)
  })

  it('accept every signed message and refuse it once any byte of the body changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/),
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat({ max: 199 }),
        async (id, bytes, at) => {
          const headers = sign({ id, timestamp: Math.floor(now() / 1000), body: bytes, secret: validSecret })
          expect(verify(bytes, headers, validSecret, { now }).id).toBe(id)
          const tampered = bytes.slice()
          tampered[at % bytes.length]! ^= 1
          expect(() => verify(tampered, headers, validSecret, { now })).toThrow(/no signature matches/)
          await expect(verifyAsync(tampered, headers, validSecret, { now })).rejects.toThrow(
            /no signature matches/,
          )
        },
      ),
    )
  })

  it('refuse every one-character change to a valid signature header', async () => {
    const original = signed['webhook-signature']
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: original.length - 1 }),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (at, char) => {
          fc.pre(original[at] !== char)
          const changed = {
            ...signed,
            'webhook-signature': original.slice(0, at) + char + original.slice(at + 1),
          }
          expect(() => verify(payload, changed, validSecret, { now })).toThrow(WebhookVerificationError)
          await expect(verifyAsync(payload, changed, validSecret, { now })).rejects.toThrow(
            WebhookVerificationError,
          )
        },
      ),
    )
  })
})
