import { ValidationError } from './errors.js'
import { FetchTransport } from './fetch-transport.js'
import type { FetchLike } from './options.js'
import type { Transport } from './transport.js'
import { UndiciTransport } from './undici-transport.js'

/**
 * Picks the transport: the given `fetch`; else undici; else the runtime's global `fetch`.
 *
 * @param fetch - `options.fetch`, if given
 * @param timeoutMs - `options.timeoutMs`, which also bounds undici's connection attempts
 * @returns the transport
 * @throws {@link ValidationError} `invalid_options` when there is neither undici nor a global `fetch`
 */
export async function createTransport(fetch: FetchLike | undefined, timeoutMs: number): Promise<Transport> {
  if (fetch !== undefined) return new FetchTransport(fetch)
  const undici = await UndiciTransport.load(timeoutMs)
  if (undici !== undefined) return undici
  const global = (globalThis as { fetch?: FetchLike }).fetch
  if (typeof global === 'function') return new FetchTransport(global.bind(globalThis))
  throw new ValidationError(
    'invalid_options',
    'rio-client has no way to send requests here: undici cannot be loaded and there is no global fetch; pass one as new Client({ fetch })',
  )
}
