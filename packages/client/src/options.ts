import { z } from 'zod'
import { type Dsn, isDsn, parseDsn } from './dsn.js'
import { DsnError, type Issue, ValidationError } from './errors.js'

/**
 * The part of `fetch` the client uses, so any runtime's `fetch` (Node, Deno, Bun, Workers) or a
 * wrapper around it fits.
 */
export type FetchLike = (
  url: string,
  init: {
    method: 'POST'
    headers: Record<string, string>
    body: string
    signal: AbortSignal
    /** Always `manual`: the client does not follow redirects, and answers a 3xx as a refusal. */
    redirect: 'manual'
  },
) => Promise<{
  status: number
  headers: { get(name: string): string | null }
  body: {
    getReader(): {
      read(): Promise<{ done: boolean; value?: Uint8Array }>
      cancel(reason?: unknown): Promise<void>
    }
  } | null
}>

/** Everything a {@link Client} can be configured with. Parsed once, by the constructor. */
export interface ClientOptions {
  /**
   * Where to emit: `http[s]://<sender>:<secret>@<host>[:port][/<prefix>][/<version>]/<project>`, or
   * a {@link Dsn} from {@link parseDsn}.
   * @default process.env.RIO_DSN
   */
  dsn?: string | Dsn
  /** Longest wait for one request's full answer, in ms; a request over it counts as failed (and is retried). @default 10000 */
  timeoutMs?: number
  /**
   * Retries after the first attempt, on no answer, timeout, 5xx or 429. `0` sends once.
   * @default 4 (at most 5 attempts)
   */
  retries?: number
  /**
   * Time budget for retrying, in ms from the start of the call: no retry is scheduled to start
   * later than this. A `Retry-After` that reaches past it ends the call at once.
   * @default 30000
   */
  retryBudgetMs?: number
  /** Delay before the first retry, in ms; doubled for each further one, with jitter (50–100 %). @default 500 */
  retryDelayMs?: number
  /** Longest backoff delay, in ms (a longer `Retry-After` from Rio still wins). @default 8000 */
  retryMaxDelayMs?: number
  /** Largest payload accepted, as UTF-8 JSON, in bytes; checked before sending. @default 262144 (256 KiB) */
  maxPayloadBytes?: number
  /** Most events per `emitMany()` request; larger arrays are split, in order. @default 1000 */
  maxBatchSize?: number
  /**
   * Largest `emitMany()` request body, in bytes; batches are split to stay under it (an event
   * larger than this on its own goes alone). Rio's default body limit is 1 MiB.
   * @default 1048576 (1 MiB)
   */
  maxBatchBytes?: number
  /**
   * Most bytes read of an answer; a longer one is cut off there. An `emitMany()` request reads up
   * to 1 KiB + 64 bytes per event when that is more, room for the ids Rio answers with. A
   * compressed answer (gzip, deflate, br) is decoded, and the cap holds for the decoded bytes.
   * @default 1048576 (1 MiB)
   */
  maxResponseBytes?: number
  /**
   * Most requests this client has on the wire at once (and so most connections it opens to Rio).
   * Further emits wait their turn, in order; their `timeoutMs` starts when they are sent, and
   * their `signal` still ends the wait. Without a bound, 10 000 emits started together would open
   * 10 000 connections: past the process's file limit (often 1024) most fail with `EMFILE`, and
   * Rio, which commits concurrent emits together, serves them no sooner.
   * @default 128
   */
  maxConcurrentRequests?: number
  /**
   * Extra request headers (tracing, a proxy's auth). Those the client sets itself — `authorization`,
   * `content-type`, `idempotency-key`, `user-agent`, `x-rio-protocol` and hop-by-hop ones — are refused.
   * Names are HTTP tokens; values hold tabs, spaces, visible ASCII and U+0080–U+00FF only (what
   * HTTP/1.1 can carry; encode anything else), and lose the tabs and spaces around them.
   * @default {}
   */
  headers?: Readonly<Record<string, string>>
  /**
   * A `fetch` to send requests with. When absent the client uses undici's `dispatch` over a
   * keep-alive `Agent`, or the global `fetch` where undici cannot be loaded.
   * @default undefined
   */
  fetch?: FetchLike
}

/** {@link ClientOptions} after defaults and validation. */
export interface ResolvedClientOptions {
  readonly dsn: Dsn
  readonly timeoutMs: number
  readonly retries: number
  readonly retryBudgetMs: number
  readonly retryDelayMs: number
  readonly retryMaxDelayMs: number
  readonly maxPayloadBytes: number
  readonly maxBatchSize: number
  readonly maxBatchBytes: number
  readonly maxResponseBytes: number
  readonly maxConcurrentRequests: number
  readonly headers: Readonly<Record<string, string>>
  readonly fetch: FetchLike | undefined
}

/** Headers the client sets itself, so a caller's cannot contradict them. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'content-type',
  'content-length',
  'idempotency-key',
  'user-agent',
  'x-rio-protocol',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
])
// setTimeout's limit: a longer delay fires at once.
const MAX_MS = 2_147_483_647
const ms = z.number().int().nonnegative().max(MAX_MS)
const bytes = z
  .number()
  .int()
  .positive()
  .max(1024 * 1024 * 1024)

// RFC 9110 §5.6.2: a token, what a field name is.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// RFC 9110 §5.5 field-value characters, as undici checks them before sending (HTAB, SP, VCHAR,
// obs-text): no control character, DEL or anything beyond U+00FF (sent as one Latin-1 byte).
const HEADER_VALUE_CHARACTER = /[^\t\x20-\x7e\x80-\xff]/u
// What surrounds a field value is not part of it (RFC 9110 §5.5); fetch strips it, undici would send it.
const OPTIONAL_WHITESPACE = /^[\t ]+|[\t ]+$/g

/**
 * Validates extra headers before anything is sent, so no transport refuses them later: RFC 9110
 * token names; values of tabs, spaces, visible ASCII and U+0080–U+00FF only, their surrounding
 * tabs and spaces trimmed; none that the client sets itself. Names are lower-cased.
 */
export const headersSchema = z
  .record(
    z.string().regex(HEADER_NAME, 'a header name is an HTTP token'),
    z.string().superRefine((value, ctx) => {
      const bad = HEADER_VALUE_CHARACTER.exec(value)
      if (bad === null) return
      const codePoint = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
      ctx.addIssue({
        code: 'custom',
        message: `a header value holds only tabs, spaces, visible ASCII and U+0080–U+00FF, not U+${codePoint} (at index ${bad.index}); encode it, e.g. with encodeURIComponent()`,
      })
    }),
  )
  .transform((headers, ctx) => {
    const lower: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) {
      const key = name.toLowerCase()
      if (RESERVED_HEADERS.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `"${name}" is set by rio-client itself (from the DSN and the call); remove it`,
        })
      }
      lower[key] = value.replace(OPTIONAL_WHITESPACE, '')
    }
    return lower
  })

const optionsSchema = z
  .object({
    timeoutMs: ms.min(1),
    retries: z.number().int().min(0).max(100),
    retryBudgetMs: ms,
    retryDelayMs: ms,
    retryMaxDelayMs: ms,
    maxPayloadBytes: bytes,
    maxBatchSize: z.number().int().min(1).max(100_000),
    maxBatchBytes: bytes,
    maxResponseBytes: bytes,
    maxConcurrentRequests: z.number().int().min(1).max(65_536),
    headers: headersSchema,
    fetch: z
      .custom<FetchLike>((value) => typeof value === 'function', 'expected a fetch function')
      .optional(),
  })
  // A misspelt option (`timeout` for `timeoutMs`) is refused, not left at its default unnoticed.
  .strict()
  .refine((options) => options.retryMaxDelayMs >= options.retryDelayMs, {
    path: ['retryMaxDelayMs'],
    message: 'must be at least retryDelayMs',
  })

/** The defaults of every option but `dsn` and `fetch`. */
export const DEFAULT_OPTIONS = {
  timeoutMs: 10_000,
  retries: 4,
  retryBudgetMs: 30_000,
  retryDelayMs: 500,
  retryMaxDelayMs: 8_000,
  maxPayloadBytes: 256 * 1024,
  maxBatchSize: 1000,
  maxBatchBytes: 1024 * 1024,
  maxResponseBytes: 1024 * 1024,
  maxConcurrentRequests: 128,
  headers: {},
} as const satisfies Omit<Required<ClientOptions>, 'dsn' | 'fetch'>

/**
 * Applies defaults, reads `RIO_DSN` when no `dsn` is given, and validates.
 *
 * @param options - what the caller gave; `undefined` fields take their defaults
 * @param env - where `RIO_DSN` is read from (default `process.env`, when there is a `process`)
 * @returns the options to use
 * @throws {@link DsnError} when the DSN is missing or malformed
 * @throws {@link ValidationError} `invalid_options` naming each bad field
 */
export function resolveOptions(
  options: ClientOptions = {},
  env: Readonly<Record<string, string | undefined>> = globalThis.process?.env ?? {},
): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('invalid_options', `Client options must be an object, got ${typeof options}`)
  }
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  const { dsn, ...rest } = given as ClientOptions
  const parsed = optionsSchema.safeParse({ ...DEFAULT_OPTIONS, ...rest })
  if (!parsed.success) {
    const issues: Issue[] = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }))
    throw new ValidationError(
      'invalid_options',
      `invalid rio-client options: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`,
      { issues },
    )
  }
  return { ...parsed.data, fetch: parsed.data.fetch, dsn: resolveDsn(dsn, env) }
}

function resolveDsn(dsn: unknown, env: Readonly<Record<string, string | undefined>>): Dsn {
  if (isDsn(dsn)) return dsn
  if (dsn !== undefined) return parseDsn(dsn as string)
  const fromEnv = env.RIO_DSN
  if (fromEnv === undefined || fromEnv.trim() === '') {
    throw new DsnError(
      'missing',
      "no DSN: pass new Client({ dsn: 'https://<sender>:<secret>@rio.example.org/<project>' }) or set RIO_DSN",
    )
  }
  try {
    return parseDsn(fromEnv)
  } catch (error) {
    if (!(error instanceof DsnError)) throw error
    throw new DsnError(error.reason, `RIO_DSN: ${error.message}`, { cause: error })
  }
}
