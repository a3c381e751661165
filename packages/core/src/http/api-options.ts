import { z } from 'zod'
import { formatIssues, RioValidationError } from '../errors.js'
import { MAX_TRUST_PROXY } from './client-address.js'

/** How the HTTP API behaves; see {@link createApiHandler} and {@link Rio.listen}. Parsed once, before any I/O. */
export interface ApiOptions {
  /**
   * Bearer token(s) for the management API (`/api/v1/projects`, `/handlers`, `/events`,
   * `/deliveries`); the token may also emit into any project. Give several to rotate. Each must be at
   * least 16 characters (use e.g. `openssl rand -hex 32`).
   * @default none: the management API answers 403 `admin_api_disabled`; emitting with sender
   *   credentials, the original route and health still work
   */
  adminToken?: string | readonly string[]
  /** Largest request body read, in bytes; larger bodies get 413 and nothing is written. @default 1048576 (1 MiB) */
  maxBodyBytes?: number
  /** Most events in one batch emit (`{ "events": [...] }`). @default 1000 */
  maxBatchSize?: number
  /**
   * The path prefix the API is mounted under, e.g. `/rio` (leading slash, no trailing slash). The
   * handler also works when a framework has already stripped it (Express `app.use('/rio', ...)`,
   * in a sub-app too); DSNs and the OpenAPI server URL then name the whole path the framework
   * stripped, which is also why `app.use('/rio', rio.handler())` needs no `basePath`.
   * @default '' (mounted at the root)
   */
  basePath?: string
  /**
   * Failed authentications (401) allowed per remote address (per /64 network for IPv6) per
   * `failedAuthWindowMs`; after that every authenticated route answers 429 with `Retry-After` until
   * the window ends. `false` turns the limit off. Behind a reverse proxy every client would share
   * the proxy's address: set `trustProxy` to count each client by its forwarded address instead.
   * @default 20
   */
  failedAuthLimit?: number | false
  /** The window of `failedAuthLimit`, in ms. @default 60000 */
  failedAuthWindowMs?: number
  /**
   * How many reverse proxies sit in front of the server (0 to 10), for `failedAuthLimit`'s notion
   * of a client address. 0: the TCP peer address, `X-Forwarded-For` is never read. N: the address
   * N entries left of the peer address in `[...X-Forwarded-For, peer]`, which the N proxies wrote
   * (see {@link clientAddress}). It must equal the number of proxies you run: more lets a client
   * choose its own address by sending `X-Forwarded-For`, fewer counts every client as a proxy.
   * @default 0
   */
  trustProxy?: number
  /** `GET /_health/?full` reports a problem when more deliveries than this are due and waiting. @default 1000 */
  backlogThreshold?: number
  /**
   * `GET /_health/?full` reports a problem when the dispatcher of a started Rio has not finished a
   * round for this long, in ms. @default 60000
   */
  heartbeatStaleMs?: number
  /** Deepest JSON nesting accepted in a request body; deeper bodies get 400. @default 64 */
  maxJsonDepth?: number
  /**
   * The public base URL used to build sender DSNs (e.g. `https://rio.example.com/rio`). Without it
   * the DSN is built from the request's `Host` header and `basePath`.
   */
  publicUrl?: string
}

const limit = (max: number) => z.number().int().positive().max(max)

const token = z
  .string()
  .min(16, 'an admin token must be at least 16 characters; generate one with `openssl rand -hex 32`')
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, 'an admin token holds printable ASCII characters only (no spaces)')

export const apiOptionsSchema = z.object({
  adminToken: z
    .union([token, z.array(token).max(10)])
    .optional()
    .transform((value) => (value === undefined ? [] : typeof value === 'string' ? [value] : value)),
  maxBodyBytes: limit(1024 * 1024 * 1024),
  maxBatchSize: limit(100_000),
  basePath: z
    .string()
    .regex(
      /^(\/[A-Za-z0-9._~-]+)*$/,
      'basePath is "" or a path like "/rio" (leading slash, no trailing slash, URL-safe segments)',
    ),
  failedAuthLimit: z.union([limit(1_000_000), z.literal(false)]),
  failedAuthWindowMs: limit(24 * 3600 * 1000),
  trustProxy: z.number().int().min(0).max(MAX_TRUST_PROXY),
  backlogThreshold: z.number().int().nonnegative(),
  heartbeatStaleMs: limit(24 * 3600 * 1000),
  maxJsonDepth: limit(10_000),
  publicUrl: z
    .url({ protocol: /^https?$/ })
    // A DSN is this URL with the sender's credentials in it and the project appended: a query or
    // fragment would end up after the project (a DSN rio-client refuses), credentials be replaced.
    .refine((url) => {
      const { search, hash, username, password } = new URL(url)
      return !search && !hash && !username && !password
    }, 'publicUrl is a base URL such as https://rio.example.com/rio: no query, fragment or credentials')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
})

/** {@link ApiOptions} after defaults and validation; admin tokens always as a list. */
export type ResolvedApiOptions = z.output<typeof apiOptionsSchema>

const defaults = {
  maxBodyBytes: 1024 * 1024,
  maxBatchSize: 1000,
  basePath: '',
  failedAuthLimit: 20,
  failedAuthWindowMs: 60_000,
  trustProxy: 0,
  backlogThreshold: 1000,
  heartbeatStaleMs: 60_000,
  maxJsonDepth: 64,
} as const satisfies Partial<ApiOptions>

/**
 * Applies defaults and validates.
 * @param options - what the caller passed; `undefined` fields take their defaults
 * @returns the resolved options
 * @throws {@link RioValidationError} (`invalid_options`) naming each bad field
 */
export function resolveApiOptions(options: ApiOptions = {}): ResolvedApiOptions {
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined))
  const parsed = apiOptionsSchema.safeParse({ ...defaults, ...given })
  if (!parsed.success) {
    throw new RioValidationError(
      'invalid_options',
      `invalid HTTP API options: ${formatIssues(parsed.error.issues)}`,
      { issues: parsed.error.issues },
    )
  }
  return parsed.data
}
