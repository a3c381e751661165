import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type AbortError,
  type Client,
  type ClientOptions,
  type Dsn,
  type DsnError,
  type DsnErrorReason,
  type EmitEvent,
  type EmitManyOptions,
  type EmitManyResult,
  type EmitOptions,
  type EmitResult,
  parseDsn,
  type RioClientError,
  type RioClientErrorCode,
  type RioHttpError,
  type ServerError,
  type ValidationError,
} from '../src/index.ts'

describe('rio-client exports', () => {
  it('exports exactly this list, so an API change is a visible diff', async () => {
    expect(Object.keys(await import('../src/index.ts')).sort()).toEqual([
      'AbortError',
      'Client',
      'ConnectionError',
      'DEFAULT_OPTIONS',
      'DsnError',
      'RioClientError',
      'RioHttpError',
      'ServerError',
      'TimeoutError',
      'VERSION',
      'ValidationError',
      'parseDsn',
    ])
  })
})

describe('typed API', () => {
  it('types emit and emitMany', () => {
    expectTypeOf<Client['emit']>().toEqualTypeOf<
      (name: string, payload: unknown, options?: EmitOptions) => Promise<EmitResult>
    >()
    expectTypeOf<EmitResult>().toEqualTypeOf<{ readonly id: string; readonly duplicate: boolean }>()
    expectTypeOf<Client['emitMany']>().toEqualTypeOf<
      (events: readonly EmitEvent[], options?: EmitManyOptions) => Promise<EmitManyResult>
    >()
    expectTypeOf<EmitManyResult>().toEqualTypeOf<{ readonly ids: readonly string[] }>()
    expectTypeOf<EmitEvent>().toEqualTypeOf<{ name: string; payload: unknown; idempotencyKey?: string }>()
    expectTypeOf<EmitOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>()
    expectTypeOf<Client['close']>().toEqualTypeOf<() => Promise<void>>()
    expectTypeOf<ConstructorParameters<typeof Client>>().toEqualTypeOf<[options?: ClientOptions]>()
  })

  it('types parseDsn', () => {
    expectTypeOf(parseDsn).toEqualTypeOf<(dsn: string) => Dsn>()
    expectTypeOf<Dsn['protocol']>().toEqualTypeOf<'http' | 'https'>()
    expectTypeOf<Dsn['port']>().toEqualTypeOf<number>()
    expectTypeOf<Dsn['version']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<Pick<Dsn, 'host' | 'prefix' | 'project' | 'sender' | 'secret' | 'baseUrl'>>().toEqualTypeOf<{
      readonly host: string
      readonly prefix: string
      readonly project: string
      readonly sender: string
      readonly secret: string
      readonly baseUrl: string
    }>()
    expectTypeOf<ClientOptions['dsn']>().toEqualTypeOf<string | Dsn | undefined>()
  })

  it('accepts the runtime fetch as options.fetch', () => {
    expectTypeOf(globalThis.fetch).toExtend<NonNullable<ClientOptions['fetch']>>()
  })

  it('types error codes as closed unions, narrowed per class', () => {
    expectTypeOf<RioClientError['code']>().toEqualTypeOf<RioClientErrorCode>()
    expectTypeOf<DsnError['code']>().toEqualTypeOf<'dsn_missing' | 'dsn_invalid'>()
    expectTypeOf<DsnError['reason']>().toEqualTypeOf<DsnErrorReason>()
    expectTypeOf<ServerError['code']>().toEqualTypeOf<'server_error' | 'rate_limited'>()
    expectTypeOf<AbortError['code']>().toEqualTypeOf<'aborted'>()
    expectTypeOf<RioHttpError['status']>().toEqualTypeOf<number>()
    expectTypeOf<RioHttpError['retryAfterMs']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<ServerError>().toExtend<RioHttpError>()
    expectTypeOf<ValidationError>().toExtend<RioClientError>()
    expectTypeOf<'nope'>().not.toExtend<RioClientErrorCode>()
  })
})
