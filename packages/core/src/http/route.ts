import type { IncomingMessage, ServerResponse } from 'node:http'
import type { z } from 'zod'
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
  /**
   * The path the client reached the API under (`/rio`): `basePath`, after the mount path a
   * framework stripped from `req.url` (Express `app.use('/rio', …)`); `''` at the root.
   */
  readonly prefix: string
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
  /** What the OpenAPI document says about the route; required, so no route goes undocumented. */
  readonly doc: RouteDoc
}

/**
 * Who may call a route. The OpenAPI document turns it into the operation's `security` and the
 * 401/403/429/503 answers every authenticated route can give.
 * - `admin`: `Authorization: Bearer <adminToken>`
 * - `sender-or-admin`: a sender of the project (HTTP Basic) or the admin token
 * - `basic-legacy`: a sender (HTTP Basic), failures worded as the original Rio did
 * - `none`: anyone
 */
export type RouteAuth = 'admin' | 'sender-or-admin' | 'basic-legacy' | 'none'

/** The groups of routes, in the order docs/api.md presents them (OpenAPI tags). */
export type RouteTag =
  | 'Emit'
  | 'Original route'
  | 'Health'
  | 'Projects'
  | 'Senders'
  | 'Handlers'
  | 'Events'
  | 'Deliveries'
  | 'Reference'

/** A zod schema, or one that depends on the API options (a batch's size limit). */
export type DocSchema = z.ZodType | ((options: ResolvedApiOptions) => z.ZodType)

/** A path parameter or request header: what it holds, and the values that can exist. */
export interface ParamDoc {
  readonly description: string
  readonly schema: z.ZodType
}

/** One answer of a route. */
export interface ResponseDoc {
  readonly description: string
  /**
   * The body: `json`, `error` (the route's error shape), `text` (`text/plain`), `text-or-json`, or
   * `none`. @default `json` below 400, `error` from 400
   */
  readonly body?: 'json' | 'error' | 'text' | 'text-or-json' | 'none'
  /**
   * The schema of the JSON body, as the API sends it (Dates as ISO strings); one of
   * `responseComponents` becomes a `$ref` to `components.schemas`. @default any JSON
   */
  readonly schema?: z.ZodType
  /** The schema of the `text/plain` body (`z.literal('ok')`). @default any string */
  readonly text?: z.ZodType
}

/** What the API reference says about a route; the OpenAPI document is built from it. */
export interface RouteDoc {
  /** Unique and stable: the OpenAPI `operationId` (`emitEvents`). */
  readonly operationId: string
  /** One line. */
  readonly summary: string
  /** More, in Markdown. */
  readonly description?: string
  readonly tag: RouteTag
  readonly auth: RouteAuth
  /** Every `:name` of the path, no more. A value outside its schema cannot exist and gets 404. */
  readonly params?: Readonly<Record<string, ParamDoc>>
  /** The query parameters: the zod object the route parses them with (its input side). */
  readonly query?: z.ZodObject
  /** The request headers the route reads, besides `Authorization`. */
  readonly headers?: Readonly<Record<string, ParamDoc>>
  /**
   * The request body by media type, with the schema it is validated with; `required: false` when an
   * empty body is accepted. A body adds the 400/413/415 answers.
   */
  readonly body?: {
    readonly required: boolean
    readonly content: Readonly<Record<string, DocSchema>>
  }
  /**
   * The answers the route gives itself, by status; a string is the description. The answers of its
   * `auth` and `body` are added where not given here. Every success answer with a body names its
   * schema, so the document says what the API answers, not only what it accepts.
   */
  readonly responses: Readonly<Record<number, string | ResponseDoc>>
  /** The error shape: `{ "error": { code, message, issues? } }` or the original route's `{ "message" }`. @default 'api' */
  readonly errors?: 'api' | 'message'
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

/**
 * Wraps a list fetched with `limit + 1` as a {@link Page} of `limit`: the extra item, when it came,
 * says another page follows, so one query answers a page (a second one walked to the end of the
 * table on sparse filters). When the store capped the read at `limit` (its most per read), `more`
 * is asked instead whether anything comes before the last id. Either way `nextCursor` is null on
 * the last page even when it is exactly full.
 * @param more - whether the list holds an item before the given cursor (same filters, `limit: 1`)
 */
export async function page<T extends { readonly id: string }>(
  items: readonly T[],
  limit: number,
  more: (before: string) => Promise<boolean>,
): Promise<Page<T>> {
  if (items.length > limit) return { data: items.slice(0, limit), nextCursor: items[limit - 1]!.id }
  const last = items.at(-1)
  return { data: items, nextCursor: items.length >= limit && last && (await more(last.id)) ? last.id : null }
}
