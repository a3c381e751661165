import { z } from 'zod'
import { type Issue, RioHttpError, ServerError } from './errors.js'
import { formatBytes } from './event.js'
import type { TransportResponse } from './transport.js'

/** What `emit()` resolves to. */
export interface EmitResult {
  /** The event's id in Rio. */
  readonly id: string
  /** Whether Rio already had an event with this idempotency key (and so stored nothing new). */
  readonly duplicate: boolean
}

/** What `emitMany()` resolves to. */
export interface EmitManyResult {
  /** The events' ids, in the order given. */
  readonly ids: readonly string[]
}

/** Where a request went and what it was for, to build messages. */
export interface RequestContext {
  /** What was attempted: `emit "comment-published"`, `emitMany request 2 of 3 (1000 events)`. */
  readonly subject: string
  /** `project "shop" at https://rio.example.org:443`. */
  readonly target: string
  /** The project, for hints. */
  readonly project: string
  /** Whether the request is an `emitMany()` batch (`{ events }`) rather than one event, for hints. */
  readonly batch: boolean
  /** Requests sent so far. */
  readonly attempts: number
  /** Time since the first attempt, in ms, on a monotonic clock. */
  readonly elapsedMs: number
}

const emitAnswer = z.object({ id: z.string().min(1), duplicate: z.boolean().optional() })
const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.unknown(), message: z.string() })).optional(),
  }),
})

/**
 * Reads a 2xx answer to a single emit: `{ "id": "…", "duplicate": boolean }`.
 *
 * @param response - the answer
 * @param context - for messages
 * @returns the event's id and whether it was a duplicate (false when Rio does not say)
 * @throws {@link RioHttpError} `response_too_large` or `invalid_response`
 */
export function parseEmitAnswer(response: TransportResponse, context: RequestContext): EmitResult {
  const parsed = emitAnswer.safeParse(readJson(response, context))
  if (!parsed.success) throw invalidResponse(response, context, '{ "id": "…", "duplicate": false }')
  return { id: parsed.data.id, duplicate: parsed.data.duplicate ?? false }
}

// Rio's event ids are UUIDs: 36 characters, never escaped in JSON, so `"<id>",` takes 39 bytes
// of `{"ids":[...]}`. 64 leaves room for ids up to ~60 characters (a server with another id
// scheme) or a pretty-printed answer; the headroom covers the envelope and any whitespace.
const BATCH_ANSWER_BYTES_PER_ID = 64
const BATCH_ANSWER_HEADROOM_BYTES = 1024

/**
 * How many bytes of the answer to a batch request to read: `maxResponseBytes`, or more when the
 * `{ "ids": [...] }` Rio owes for `count` events needs more, so a large batch Rio stored is not
 * reported as `response_too_large`. The cap still grows with the batch only, never without end.
 *
 * @param count - how many events the request holds
 * @param maxResponseBytes - the configured cap, which single emits keep
 * @returns the cap for this request's answer
 * @example
 * ```ts
 * batchAnswerBytes(30_000, 64 * 1024) // 1_921_024
 * ```
 */
export function batchAnswerBytes(count: number, maxResponseBytes: number): number {
  return Math.max(maxResponseBytes, BATCH_ANSWER_HEADROOM_BYTES + BATCH_ANSWER_BYTES_PER_ID * count)
}

/**
 * Reads a 2xx answer to a batch emit: `{ "ids": [...] }`, one id per event sent.
 *
 * @param response - the answer
 * @param count - how many events the request held
 * @param context - for messages
 * @returns the ids, in order
 * @throws {@link RioHttpError} `response_too_large` or `invalid_response` (also when the count differs)
 */
export function parseBatchAnswer(
  response: TransportResponse,
  count: number,
  context: RequestContext,
): string[] {
  const parsed = z
    .object({ ids: z.array(z.string().min(1)).length(count) })
    .safeParse(readJson(response, context))
  if (!parsed.success) throw invalidResponse(response, context, `{ "ids": [ …${count} ids… ] }`)
  return parsed.data.ids
}

/**
 * Whether an answer with this status is worth retrying: 5xx, 429, and 408 (the server, or a proxy
 * in front of it, gave up reading the request — a busy or stalled sender — and processed nothing).
 *
 * @param status - the answer's status
 * @returns true for 408, 429 and 5xx
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408
}

/**
 * The error for a non-2xx answer: a {@link ServerError} for 5xx, 408 and 429 (retryable), a
 * {@link RioHttpError} otherwise (a 3xx too: redirects are not followed). Rio's JSON error body is
 * read when there is one; anything else (HTML from a proxy, an empty body) is quoted briefly.
 *
 * @param response - the answer
 * @param context - for messages
 * @param retryAfterMs - the parsed `Retry-After`, if any
 * @param stopped - why retrying stopped, appended to the message when the error is final
 * @returns the error, not thrown
 */
export function errorFromAnswer(
  response: TransportResponse,
  context: RequestContext,
  retryAfterMs: number | undefined,
  stopped = '',
): RioHttpError {
  const { status } = response
  const body = readErrorBody(response)
  const what = body.serverCode === undefined ? `${status}` : `${status} ${body.serverCode}`
  const retried = context.attempts > 1 ? ` (${attemptsText(context)})` : ''
  const message = `Rio answered ${what} to ${context.subject} into ${context.target}${retried}: ${body.text}${hint(response, context, retryAfterMs, body.serverCode)}${stopped}`
  const options = {
    status,
    attempts: context.attempts,
    ...(body.serverCode === undefined ? {} : { serverCode: body.serverCode }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(body.issues === undefined ? {} : { issues: body.issues }),
  }
  if (status === 429) return new ServerError('rate_limited', message, options)
  if (isRetryableStatus(status)) return new ServerError('server_error', message, options)
  return new RioHttpError('http_error', message, options)
}

/**
 * Describes how many attempts were made, and over how long.
 * @param context - the attempts and elapsed time
 * @returns e.g. `5 attempts over 7.6 s`
 */
export function attemptsText(context: Pick<RequestContext, 'attempts' | 'elapsedMs'>): string {
  return `${context.attempts} attempt${context.attempts === 1 ? '' : 's'} over ${(context.elapsedMs / 1000).toFixed(1)} s`
}

function readJson(response: TransportResponse, context: RequestContext): unknown {
  if (response.truncated) {
    throw new RioHttpError(
      'response_too_large',
      `Rio's answer to ${context.subject} into ${context.target} was over maxResponseBytes (${formatBytes(response.body.byteLength)} read); the URL may not point at Rio, or raise maxResponseBytes`,
      { status: response.status, attempts: context.attempts },
    )
  }
  try {
    return JSON.parse(decode(response.body))
  } catch {
    return undefined
  }
}

function invalidResponse(
  response: TransportResponse,
  context: RequestContext,
  expected: string,
): RioHttpError {
  return new RioHttpError(
    'invalid_response',
    `Rio answered ${response.status} to ${context.subject} into ${context.target} with ${excerpt(response)} instead of ${expected}; check that the DSN's host and prefix point at a Rio server`,
    { status: response.status, attempts: context.attempts },
  )
}

function readErrorBody(response: TransportResponse): { text: string; serverCode?: string; issues?: Issue[] } {
  let json: unknown
  try {
    json = response.truncated ? undefined : JSON.parse(decode(response.body))
  } catch {
    json = undefined
  }
  const parsed = errorBody.safeParse(json)
  if (!parsed.success) return { text: excerpt(response) }
  const { code, message, issues } = parsed.data.error
  if (issues === undefined || issues.length === 0) return { text: message, serverCode: code }
  const converted = issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }))
  const lines = converted.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')
  return { text: `${message} (${lines})`, serverCode: code, issues: converted }
}

function hint(
  response: TransportResponse,
  context: RequestContext,
  retryAfterMs: number | undefined,
  serverCode: string | undefined,
): string {
  const { status } = response
  // 0: a browser's fetch hides a redirect it was told not to follow (an "opaqueredirect").
  if (status === 0 || (status >= 300 && status < 400)) {
    const location = response.header('location')
    const to =
      location === undefined
        ? ''
        : ` (this one to "${location.length > 200 ? `${location.slice(0, 200)}…` : location}")`
    return `; rio-client does not follow redirects${to}: put the URL Rio answers on in the DSN (https:// rather than http://?)`
  }
  if (status === 401) return '; check the sender and secret in the DSN'
  if (status === 403) return `; check that the DSN's sender belongs to project "${context.project}"`
  if (status === 404) return `; check the DSN's host, path prefix and project ("${context.project}")`
  if (status === 413) return tooLargeHint(context, serverCode)
  if (status === 429) {
    return retryAfterMs === undefined ? '; slow down' : `; Rio asks to wait ${formatMs(retryAfterMs)}`
  }
  if (status >= 500) return '; Rio (or a proxy in front of it) is failing or restarting: retry later'
  if (status === 408) {
    return '; Rio (or a proxy in front of it) gave up waiting for the request to arrive: is this process or its network overloaded?'
  }
  return ''
}

/**
 * What to change after a 413. Rio's own message speaks of *its* options ("raise maxPayloadBytes"),
 * so this names the client's: the one whose default is above the server's limit and let the
 * request through. Fewer events per batch would not help a payload over Rio's payload limit.
 */
function tooLargeHint(context: RequestContext, serverCode: string | undefined): string {
  if (serverCode === 'payload_too_large') {
    return "; Rio's payload limit is below this client's maxPayloadBytes: set maxPayloadBytes to Rio's limit, so such payloads are refused before they are sent"
  }
  if (context.batch) {
    return "; the batch is over Rio's body limit (its maxBodyBytes, 1 MiB by default, or a proxy's): set maxBatchBytes to that limit, and the client sends smaller batches"
  }
  return "; the request is over Rio's body limit (its maxBodyBytes, 1 MiB by default, or a proxy's): send a smaller payload, and set maxPayloadBytes below that limit so such payloads are refused before they are sent"
}

function excerpt(response: TransportResponse): string {
  if (response.body.byteLength === 0) {
    return response.truncated ? 'a body over maxResponseBytes (not read)' : 'an empty body'
  }
  const contentType = response.header('content-type')?.split(';')[0]?.trim() || 'no content type'
  const text = decode(response.body)
  // A proxy's error page: its <title> says more than its first bytes.
  const title = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(text)?.[1]
  const shown = (title ?? text).replace(/\s+/g, ' ').trim()
  const cut = shown.length > 200 ? `${shown.slice(0, 200)}…` : shown
  return `a ${contentType} body${response.truncated ? ' (cut at maxResponseBytes)' : ''} "${cut}"`
}

function formatPath(path: unknown): string {
  if (Array.isArray(path)) return path.map(String).join('.')
  return typeof path === 'string' ? path : ''
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes)
}
