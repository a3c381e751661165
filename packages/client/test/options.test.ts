import { afterEach, describe, expect, it } from 'vitest'
import { Client, DEFAULT_OPTIONS, DsnError, parseDsn, ValidationError } from '../src/index.ts'
import { resolveOptions } from '../src/options.ts'

const dsn = 'https://shop:s3cret@rio.example.org/shop'

describe('Client options', () => {
  const saved = process.env.RIO_DSN
  afterEach(() => {
    if (saved === undefined) delete process.env.RIO_DSN
    else process.env.RIO_DSN = saved
  })

  it('applies the documented defaults', () => {
    expect(resolveOptions({ dsn })).toMatchObject({
      timeoutMs: 10_000,
      retries: 4,
      retryBudgetMs: 30_000,
      retryDelayMs: 500,
      retryMaxDelayMs: 8_000,
      maxPayloadBytes: 262_144,
      maxBatchSize: 1000,
      maxBatchBytes: 1_048_576,
      maxResponseBytes: 1_048_576,
      maxConcurrentRequests: 128,
      headers: {},
      fetch: undefined,
    })
    expect(DEFAULT_OPTIONS.retries + 1).toBe(5)
  })

  it('reads RIO_DSN when no dsn is given, and says how to fix a missing one', () => {
    process.env.RIO_DSN = 'http://s:k@127.0.0.1:9/from-env'
    expect(new Client().dsn.project).toBe('from-env')
    expect(new Client({ dsn: undefined }).dsn.project).toBe('from-env')
    delete process.env.RIO_DSN
    expect(() => new Client()).toThrow(DsnError)
    expect(() => new Client()).toThrow(/no DSN: pass new Client\(\{ dsn: .* \}\) or set RIO_DSN/)
    expect(() => new Client()).toThrow(expect.objectContaining({ code: 'dsn_missing' }))
    process.env.RIO_DSN = 'http://rio.example.org/p'
    expect(() => new Client()).toThrow(/^RIO_DSN: DSN "http:\/\/rio.example.org\/p" has no credentials/)
  })

  it('takes a parsed Dsn as well as a string', () => {
    expect(new Client({ dsn: parseDsn(dsn) }).dsn.baseUrl).toBe('https://rio.example.org:443')
  })

  it('refuses bad options before any I/O, naming each one', () => {
    const refuse = (options: object) => {
      try {
        resolveOptions({ dsn, ...options })
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError)
        expect(error).toMatchObject({ code: 'invalid_options' })
        return (error as ValidationError).issues.map((issue) => issue.path)
      }
      throw new Error('expected a refusal')
    }
    expect(refuse({ timeoutMs: 0, retries: -1 })).toEqual(['timeoutMs', 'retries'])
    expect(refuse({ retryDelayMs: 1000, retryMaxDelayMs: 10 })).toEqual(['retryMaxDelayMs'])
    expect(refuse({ maxResponseBytes: 1.5 })).toEqual(['maxResponseBytes'])
    expect(refuse({ maxConcurrentRequests: 0 })).toEqual(['maxConcurrentRequests'])
    expect(refuse({ fetch: 'fetch' })).toEqual(['fetch'])
    expect(() => resolveOptions({ dsn, timeout: 5 } as object)).toThrow(/Unrecognized key: "timeout"/)
    expect(refuse({ headers: { 'bad name': 'b' } })).toEqual(['headers.bad name'])
    expect(refuse({ headers: { 'x-a': '☃', 'x-b': 'a\x01b', 'x-c': 'a\x00', 'x-ok': 'café' } })).toEqual([
      'headers.x-a',
      'headers.x-b',
      'headers.x-c',
    ])
    expect(refuse({ headers: { 'User-Agent': 'me', 'x-ok': 'a', Authorization: 'x' } })).toEqual([
      'headers.User-Agent',
      'headers.Authorization',
    ])
    expect(() => resolveOptions({ dsn, headers: { Host: 'x' } })).toThrow(
      'invalid rio-client options: headers.Host: "Host" is set by rio-client itself (from the DSN and the call); remove it',
    )
  })

  it('keeps Latin-1 header values and trims the tabs and spaces around them, as fetch does', () => {
    expect(resolveOptions({ dsn, headers: { 'X-Name': ' café\t', 'x-empty': '' } }).headers).toEqual({
      'x-name': 'café',
      'x-empty': '',
    })
  })

  it('never shows the secret when a client is logged', async () => {
    const { inspect } = await import('node:util')
    const client = new Client({ dsn })
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain('s3cret')
    expect(inspect(client.dsn)).not.toContain('s3cret')
  })
})
