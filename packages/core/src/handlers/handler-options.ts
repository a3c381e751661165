import { sign, WebhookUsageError } from '@rio/signature'
import { z } from 'zod'
import { formatIssues, RioValidationError } from '../errors.js'
import { projectNameSchema } from '../events/event-name.js'
import { PATTERN_RE } from './pattern.js'

const patternSchema = z
  .string()
  .regex(
    PATTERN_RE,
    'a pattern is an event name in which "*" matches any run of characters, e.g. "comment.*" or "*"',
  )
/**
 * Text that may not be in a handler name or a webhook URL, as it reads differently from what it
 * holds wherever it is shown (CLI, logs, dashboard): control characters (C0, DEL, C1), bidirectional
 * formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069: `a\u202Egpj.exe`
 * reads as `aexe.jpg`), line and paragraph separators (U+2028, U+2029) and invisible characters
 * (U+200B, U+2060–U+2064, U+FEFF: `ad\u200Bmin` reads as `admin`). Joiners (U+200C, U+200D) are
 * allowed: emoji sequences and Persian or Indic words need them.
 */
const SAFE_TEXT =
  /^[^\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*$/
const UNSAFE_TEXT_RULE =
  'control characters, bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), line separators (U+2028, U+2029) or invisible characters (U+200B, U+2060–U+2064, U+FEFF)'
// A lone UTF-16 surrogate cannot be stored as UTF-8: it would be read back as U+FFFD, another name.
const noLoneSurrogate = (text: string) => !/\p{Cs}/u.test(text)

/**
 * Handler names: 1 to 200 characters of any script, normalised to NFC so that a name typed as
 * `e` + U+0301 and one typed as `é` are one handler, as they look the same (names stored before
 * this rule keep working: see `Rio.webhook`).
 */
const handlerNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(SAFE_TEXT, `a handler name may not hold ${UNSAFE_TEXT_RULE}`)
  .refine(noLoneSurrogate, 'a handler name must be valid Unicode (no lone surrogates)')
  .transform((name) => name.normalize('NFC'))
// RFC 9110 §5.1: a field name is a token.
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// RFC 9110 §5.5 field-value characters, exactly what undici sends: HTAB, SP, VCHAR and obs-text
// (U+0080–U+00FF, sent as one byte each). Anything else (CR/LF, NUL, "€") would make every
// delivery fail with UND_ERR_INVALID_ARG, so it is refused when the handler is saved.
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/
const schedule = z.array(z.number().int().nonnegative()).min(1).max(100)
// Ten minutes for webhooks and functions alike; it also keeps a function's timer below the 2^31 − 1 ms
// that setTimeout takes (above it Node fires at once, so every attempt would "time out").
const timeoutMs = z.number().int().positive().max(600_000, 'a timeout is at most 600000 ms (10 minutes)')
// Checked with the signer itself, so a secret that saves is one every delivery can sign with,
// rather than one that fails each delivery with "cannot build the request".
const signingSecret = z
  .string()
  .min(1)
  .superRefine((secret, ctx) => {
    const problem = signingProblem(secret)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
  })

/** Options shared by webhooks and function handlers. */
export interface HandlerCommonOptions {
  /** The project to subscribe in. @default Rio's `project` option */
  project?: string
  /** At most this many deliveries at once (per process). @default Rio's `handlerConcurrency` */
  concurrency?: number
  /** At most this many deliveries started per second (per process). @default no limit */
  rateLimit?: number | null
  /** Delays in ms before each attempt; the first attempt is immediate. @default Rio's `retrySchedule` */
  retrySchedule?: readonly number[] | null
  /** Whether it receives deliveries. @default true */
  enabled?: boolean
}

/** How to call a webhook; see {@link Rio.webhook}. */
export interface WebhookOptions extends HandlerCommonOptions {
  /** http(s) URL; may hold `{{ payload.x }}` templates. */
  url: string
  /** Stable name, unique in the project; calling `webhook()` again with it updates the handler. @default `${pattern} ${url}` */
  name?: string
  /** @default 'POST' */
  method?: 'POST' | 'PUT' | 'GET'
  /** Body encoding: `json`, `form` (top-level keys as fields) or `form-payload` (JSON in field `payload`). @default 'json' */
  contentType?: 'json' | 'form' | 'form-payload'
  /** A signing secret (`whsec_…`, or `whsk_…` for ed25519). @default one is generated */
  secret?: string
  /** Several signing secrets (rotation): every one signs each request. */
  secrets?: readonly string[]
  /** Static headers sent with every request. */
  headers?: Readonly<Record<string, string>>
  /** Request timeout in ms. @default Rio's `timeoutMs` */
  timeoutMs?: number
}

/** Options of an in-process function handler; see {@link Rio.on}. */
export interface FunctionHandlerOptions extends HandlerCommonOptions {
  /** The function is failed (and retried) when it runs longer than this, in ms. @default Rio's `timeoutMs` */
  timeoutMs?: number
}

const common = {
  project: projectNameSchema.optional(),
  concurrency: z.number().int().positive().max(10_000).optional(),
  rateLimit: z.number().positive().max(1_000_000).nullable().optional(),
  retrySchedule: schedule.nullable().optional(),
  enabled: z.boolean().optional(),
}

export const webhookOptionsSchema = z.object({
  ...common,
  // WHATWG URL silently drops tabs and line breaks, so the stored URL would not be the one called.
  url: z
    .string()
    .min(1)
    .max(4096)
    .regex(SAFE_TEXT, `a webhook URL may not hold ${UNSAFE_TEXT_RULE}; percent-encode them`)
    .refine(noLoneSurrogate, 'a webhook URL must be valid Unicode (no lone surrogates)'),
  name: handlerNameSchema.optional(),
  method: z.enum(['POST', 'PUT', 'GET']).optional(),
  contentType: z.enum(['json', 'form', 'form-payload']).optional(),
  secret: signingSecret.optional(),
  secrets: z.array(signingSecret).max(10).optional(),
  headers: z
    .record(
      z.string().regex(headerName),
      z
        .string()
        .regex(
          headerValue,
          'a header value holds only tab, space, visible ASCII and U+0080–U+00FF: no control characters (CR, LF, NUL) and nothing above U+00FF (percent-encode it)',
        ),
      // zod words a bad key "Invalid key in record"; say what a header name may hold instead.
      {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? "not a valid HTTP header name: an RFC 9110 token of letters, digits and !#$%&'*+-.^_`|~"
            : undefined,
      },
    )
    .optional(),
  timeoutMs: timeoutMs.optional(),
})

export const functionOptionsSchema = z.object({
  ...common,
  timeoutMs: timeoutMs.optional(),
})

/** Why `sign()` refuses `secret`, in words that never quote it; `undefined` when it can sign. */
function signingProblem(secret: string): string | undefined {
  try {
    sign({ id: 'check', timestamp: 0, body: '', secret })
    return undefined
  } catch (error) {
    if (!(error instanceof WebhookUsageError)) throw error
    return `${error.message.replace(/^sign\(\): /, '')}; a signing secret is whsec_ followed by base64 (as generated), whsk_ followed by a base64 ed25519 private key, or a plain string (its UTF-8 bytes are the HMAC key)`
  }
}

/** A pattern, validated. @throws {@link RioValidationError} */
export function parsePattern(pattern: unknown): string {
  return parse(patternSchema, pattern, 'handler pattern')
}

/** A handler name, validated. @throws {@link RioValidationError} */
export function parseHandlerName(name: unknown): string {
  return parse(handlerNameSchema, name, 'handler name')
}

/** Parses with a zod schema, turning failures into a {@link RioValidationError} that names `what`. */
export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw new RioValidationError('invalid_handler', `invalid ${what}: ${formatIssues(result.error.issues)}`, {
      issues: result.error.issues,
    })
  }
  return result.data
}
