import { createRequire } from 'node:module'
import type { Dispatcher, Pool } from 'undici'

/**
 * undici, loaded when the first pool is opened (or a closed one refuses a request), not when Rio
 * is: a process that never sends a webhook (the CLI's commands, the HTTP API alone) does not pay
 * for it. undici is CommonJS, so it loads synchronously here, as {@link OriginPools.dispatch} must.
 */
let undici: typeof import('undici') | undefined
const loadUndici = (): typeof import('undici') =>
  (undici ??= createRequire(import.meta.url)('undici') as typeof import('undici'))

/** Options of {@link OriginPools}. */
export interface OriginPoolsOptions {
  /**
   * Most origins with a pool at once. Opening a pool for one more closes the least recently used
   * one: its requests in flight finish, then its connections close.
   */
  readonly maxOrigins: number
  /** What each origin's undici `Pool` is made with. */
  readonly pool: Pool.Options
}

interface Entry {
  readonly pool: Pool
  /** Connections open, as counted from the pool's `connect` and `disconnect` events. */
  connected: number
  retired: boolean
}

/**
 * One keep-alive undici `Pool` per origin (`scheme://host:port`), bounded in number and in time.
 * Like undici's `Agent`, a pool is dropped once its last connection closes (idle keep-alive timeout,
 * the server closing it) or a connection attempt fails with none open. Unlike it, at most
 * `maxOrigins` pools exist: webhook URLs are chosen by users, and a Rio that has delivered to
 * thousands of handlers, each at its own host, must not hold a pool and sockets for every one of
 * them while receivers keep connections alive (a `Keep-Alive: timeout=600` hint is honoured).
 *
 * A pool is taken out of the map before it is closed, so a request is never dispatched to a
 * closing pool: the next request to that origin opens a new one.
 */
export class OriginPools {
  /** Least recently used first: a use moves an origin to the end. */
  readonly #entries = new Map<string, Entry>()
  /** Pools taken out of the map and still closing, for {@link OriginPools.close} to wait on. */
  readonly #closing = new Set<Promise<void>>()
  readonly #maxOrigins: number
  readonly #options: Pool.Options
  #closed = false

  /** @param options - see {@link OriginPoolsOptions} */
  constructor(options: OriginPoolsOptions) {
    this.#maxOrigins = options.maxOrigins
    this.#options = options.pool
  }

  /** Origins with a pool right now (at most `maxOrigins`). */
  get size(): number {
    return this.#entries.size
  }

  /**
   * Sends a request through the pool of `options.origin`, opening one when there is none.
   * @throws undici's `ClientClosedError` after {@link OriginPools.close}; whatever the pool's
   *   `dispatch` throws for a request it cannot send
   */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#closed) throw new (loadUndici().errors.ClientClosedError)()
    const origin = String(options.origin)
    let entry = this.#entries.get(origin)
    if (entry) {
      this.#entries.delete(origin)
      this.#entries.set(origin, entry)
    } else {
      if (this.#entries.size >= this.#maxOrigins) {
        const [oldest, least] = this.#entries.entries().next().value!
        this.#retire(oldest, least)
      }
      entry = this.#open(origin)
    }
    return entry.pool.dispatch(options, handler)
  }

  /** Closes every pool, after the requests in flight on them have finished. */
  async close(): Promise<void> {
    this.#closed = true
    for (const [origin, entry] of this.#entries) this.#retire(origin, entry)
    await Promise.all(this.#closing)
  }

  #open(origin: string): Entry {
    const pool = new (loadUndici().Pool)(origin, this.#options)
    const entry: Entry = { pool, connected: 0, retired: false }
    pool.on('connect', () => {
      entry.connected++
    })
    pool.on('disconnect', () => {
      if (--entry.connected <= 0) this.#retire(origin, entry)
    })
    pool.on('connectionError', () => {
      if (entry.connected <= 0) this.#retire(origin, entry)
    })
    this.#entries.set(origin, entry)
    return entry
  }

  /** Takes the pool out of the map, then closes it gracefully (requests on it finish first). */
  #retire(origin: string, entry: Entry): void {
    if (entry.retired) return
    entry.retired = true
    if (this.#entries.get(origin) === entry) this.#entries.delete(origin)
    const closing = entry.pool.close().catch(() => undefined)
    this.#closing.add(closing)
    void closing.then(() => this.#closing.delete(closing))
  }
}
