import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  generateKeyPair,
  type KeyPair,
  type SignInput,
  sign,
  signAsync,
  type VerifiedWebhook,
  verify,
  type verifyAsync,
  type Webhook,
  type WebhookHeaders,
  type WebhookHeadersInput,
  type WebhookVerificationError,
  type WebhookVerificationReason,
} from '../src/index.ts'

describe('@rio/signature exports', () => {
  it('exports exactly this list, so an API change is a visible diff', async () => {
    expect(Object.keys(await import('../src/index.ts')).sort()).toEqual([
      'WebhookError',
      'WebhookUsageError',
      'WebhookVerificationError',
      'generateKeyPair',
      'generateSecret',
      'sign',
      'signAsync',
      'verify',
      'verifyAsync',
      'verifyNodeRequest',
      'verifyRequest',
      'verifyWebhook',
      'webhookResponse',
    ])
  })

  it('exports exactly these functions from each adapter subpath', async () => {
    expect(Object.keys(await import('@rio/signature/express')).sort()).toEqual(['verifyWebhook'])
    expect(Object.keys(await import('@rio/signature/fastify')).sort()).toEqual(['default', 'rioWebhooks'])
    expect(Object.keys(await import('@rio/signature/node')).sort()).toEqual([
      'STATUS_BY_REASON',
      'errorResponse',
      'verifyNodeRequest',
    ])
    expect(Object.keys(await import('@rio/signature/web')).sort()).toEqual([
      'WebhookError',
      'WebhookUsageError',
      'WebhookVerificationError',
      'generateSecret',
      'signAsync',
      'verifyAsync',
      'verifyRequest',
      'webhookResponse',
    ])
  })
})

describe('typed API', () => {
  it('sign takes the dispatcher shape and returns the three headers', () => {
    expectTypeOf(sign).parameter(0).toEqualTypeOf<SignInput>()
    expectTypeOf<SignInput>().toEqualTypeOf<{
      id: string
      timestamp: number | Date
      body: string | Uint8Array
      secret: string | readonly string[]
    }>()
    expectTypeOf(sign).returns.toEqualTypeOf<WebhookHeaders>()
    expectTypeOf<WebhookHeaders>().toEqualTypeOf<{
      'webhook-id': string
      'webhook-timestamp': string
      'webhook-signature': string
    }>()
    expectTypeOf(signAsync).returns.resolves.toEqualTypeOf<WebhookHeaders>()
  })

  it('verify returns the body type it was given', () => {
    expectTypeOf<ReturnType<typeof verify<string>>>().toEqualTypeOf<VerifiedWebhook<string>>()
    expectTypeOf<ReturnType<typeof verify<Buffer>>['body']>().toEqualTypeOf<Buffer>()
    expectTypeOf<ReturnType<typeof verifyAsync<Uint8Array>>>().toEqualTypeOf<
      Promise<VerifiedWebhook<Uint8Array>>
    >()
    expectTypeOf(verify).parameter(2).toEqualTypeOf<string | readonly string[]>()
    expectTypeOf(verify).parameter(1).toEqualTypeOf<WebhookHeadersInput>()
  })

  it('accepts every header shape frameworks hand over', () => {
    expectTypeOf<Headers>().toExtend<WebhookHeadersInput>()
    expectTypeOf<Map<string, string>>().toExtend<WebhookHeadersInput>()
    expectTypeOf<import('node:http').IncomingHttpHeaders>().toExtend<WebhookHeadersInput>()
    expectTypeOf<Record<string, string>>().toExtend<WebhookHeadersInput>()
  })

  it('types the error reason as a closed union', () => {
    expectTypeOf<WebhookVerificationError['reason']>().toEqualTypeOf<WebhookVerificationReason>()
    expectTypeOf<'missing_header'>().toExtend<WebhookVerificationReason>()
    expectTypeOf<'nope'>().not.toExtend<WebhookVerificationReason>()
  })

  it('types key pairs and webhooks', () => {
    expectTypeOf(generateKeyPair).returns.toEqualTypeOf<KeyPair>()
    expectTypeOf<Webhook<{ a: number }>['payload']>().toEqualTypeOf<{ a: number }>()
    expectTypeOf<Webhook['rawBody']>().toEqualTypeOf<Uint8Array>()
  })
})
