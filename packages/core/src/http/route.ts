import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Rio } from '../rio.js'
import type { ApiError } from './api-error.js'
import type { ResolvedApiOptions } from './api-options.js'
import type { ApiAuth } from './auth.js'

/** What a route answers; the API writes it (JSON unless `text` is given). */
export interface ApiReply {
  readonly status: number
  /** Serialised as JSON (Dates become ISO strings). */
  readonly body?: unknown
  /** Sent as `text/plain` instead of a JSON body. */
  readonly text?: string
  readonly headers?: Readonly<Record<string, string>>
}

/** Everything a route needs to answer one request. */
export interface ApiContext {
  readonly rio: Rio
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly options: ResolvedApiOptions
  readonly auth: ApiAuth
  /** Reports an unexpected failure on `rio.events` (`error`), for the host's logs. */
  readonly report: (error: unknown) => void
}

/** One method and path pattern (`/api/v1/handlers/:id`), and what answers it. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Segments separated by `/`; `:name` matches one non-empty segment. */
  readonly path: string
  readonly handle: (ctx: ApiContext) => Promise<ApiReply> | ApiReply
  /** Whether HEAD is answered like this GET route; false for GET routes that write. @default true */
  readonly head?: boolean
  /**
   * Words the errors raised before the route runs (a path parameter that is not valid
   * percent-encoding, a method the path does not allow) in the route's own shape.
   * @default the `{ "error": { code, message } }` shape
   */
  readonly formatError?: (error: ApiError) => ApiReply
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): ApiReply {
  return headers ? { status, body, headers } : { status, body }
}

/** One page of a list, newest first: `nextCursor` is the `before` for the next page, or null on the last. */
export interface Page<T> {
  readonly data: readonly T[]
  readonly nextCursor: string | null
}

/** Wraps a list fetched with `limit` as a {@link Page}; a full page may have a next one. */
export function page<T extends { readonly id: string }>(items: readonly T[], limit: number): Page<T> {
  const last = items.at(-1)
  return { data: items, nextCursor: items.length >= limit && last ? last.id : null }
}
