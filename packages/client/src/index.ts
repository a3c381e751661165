/**
 * `rio-client`: emit events to a Rio server from any service.
 *
 * A DSN names the server, the project and the sender's credentials; {@link Client.emit} posts one
 * event and resolves once Rio has stored it, {@link Client.emitMany} posts many in batches. Every
 * request carries an idempotency key reused by the client's retries (no answer, timeout, 5xx,
 * 429 with `Retry-After`), so a retry never stores an event twice. Errors are typed, with stable
 * codes. Runs on Node (undici, keep-alive) and on any runtime with `fetch`.
 *
 * @example
 * ```ts
 * import { Client } from 'rio-client'
 *
 * const client = new Client({ dsn: process.env.RIO_DSN }) // https://<sender>:<secret>@rio.example.org/<project>
 * const { id } = await client.emit('comment-published', { ip: '127.0.0.1', content: 'I am a spammer' })
 * const { ids } = await client.emitMany([{ name: 'comment-published', payload: { id: 2 } }])
 * await client.close()
 * ```
 *
 * @module
 */
export { Client, type EmitManyOptions, type EmitOptions } from './client.js'
export { type Dsn, parseDsn } from './dsn.js'
export {
  AbortError,
  ConnectionError,
  DsnError,
  type DsnErrorReason,
  type HttpErrorCode,
  type Issue,
  RioClientError,
  type RioClientErrorCode,
  type RioClientErrorOptions,
  RioHttpError,
  type RioHttpErrorOptions,
  ServerError,
  type ServerErrorCode,
  TimeoutError,
  ValidationError,
  type ValidationErrorCode,
} from './errors.js'
export type { EmitEvent } from './event.js'
export { type ClientOptions, DEFAULT_OPTIONS, type FetchLike } from './options.js'
export type { EmitManyResult, EmitResult } from './response.js'
export { VERSION } from './version.js'
