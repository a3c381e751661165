import { RioValidationError } from '@rio/core'
import { z } from 'zod'

/** How the dashboard behaves; see {@link createDashboardHandler}. Parsed once, before any request. */
export interface DashboardOptions {
  /**
   * The admin token(s) that may log in: the same token(s) as the management API. Give several to
   * rotate. Each must be at least 16 printable ASCII characters (e.g. `openssl rand -hex 32`).
   */
  adminToken: string | readonly string[]
  /**
   * Where the dashboard is mounted: links, redirects and the cookie path start with it. Works when a
   * framework has already stripped it from `req.url` (Express `app.use('/dashboard', …)`). The full
   * path the browser uses: in an Express sub-app mounted at `/ops`, `'/ops/dashboard'` (left at
   * `'/dashboard'`, its requests get a 500 and `rio.events` an `error` naming the value to set).
   * @default '/dashboard'
   */
  basePath?: string
  /**
   * When the session and flash cookies are marked `Secure` (the browser then sends them over https
   * only). `'auto'`: when the request arrived over TLS (this server speaks https) or `publicUrl`
   * starts with `https:` (a proxy in front speaks it), or, with `trustProxy` of 1 or more, when
   * the proxy says so (`X-Forwarded-Proto: https` or `Forwarded: proto=https`); `true`: always;
   * `false`: never. With `trustProxy` 0 those headers are not read: any client can send them.
   * Behind an https proxy, set `trustProxy`, give `publicUrl`, or `true`.
   * @default 'auto'
   */
  secureCookies?: 'auto' | boolean
  /**
   * The URL people reach the server at (`rio start`'s `publicUrl`), e.g. `https://rio.example.com`;
   * only its scheme is used, by `secureCookies: 'auto'`. @default undefined
   */
  publicUrl?: string
  /** How long a login lasts, in ms (absolute, not sliding). @default 28800000 (8 hours) */
  sessionTtlMs?: number
  /** Failed logins allowed per remote address per minute; the next ones get 429. @default 10 */
  maxFailedLogins?: number
  /**
   * How many reverse proxies sit in front of the server (0 to 10), for `maxFailedLogins`' notion
   * of a remote address: 0 takes the TCP peer address and never reads `X-Forwarded-For`; N takes
   * the address the proxies wrote there, N entries from the right, as `@rio/core`'s `clientAddress`
   * does (and the API with the same `trustProxy`). It must equal the number of proxies you run:
   * more lets a client pick its own address by sending the header, fewer counts every client as
   * the proxy, so one can lock out all.
   * @default 0
   */
  trustProxy?: number
  /** How often lists refresh themselves in the browser, in ms; 0 turns live refresh off. @default 5000 */
  refreshIntervalMs?: number
}

/** {@link DashboardOptions} after defaults and validation; admin tokens always as a list. */
export interface ResolvedDashboardOptions {
  readonly adminTokens: readonly string[]
  readonly basePath: string
  readonly secureCookies: 'auto' | boolean
  readonly publicUrl: string | undefined
  readonly sessionTtlMs: number
  readonly maxFailedLogins: number
  readonly trustProxy: number
  readonly refreshIntervalMs: number
}

const token = z
  .string()
  .min(16, 'an admin token must be at least 16 characters; generate one with `openssl rand -hex 32`')
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, 'an admin token holds printable ASCII characters only (no spaces)')

const schema = z.object({
  adminToken: z.union([token, z.array(token).min(1).max(10)]),
  basePath: z
    .string()
    .regex(
      /^(\/[A-Za-z0-9._~-]+)*$/,
      'basePath is "" or a path like "/dashboard" (leading slash, no trailing slash, URL-safe segments)',
    )
    .default('/dashboard'),
  secureCookies: z
    .union([z.literal('auto'), z.boolean()], { error: "secureCookies is 'auto', true or false" })
    .default('auto'),
  publicUrl: z.url({ protocol: /^https?$/, error: 'publicUrl is an http or https URL' }).optional(),
  sessionTtlMs: z
    .number()
    .int()
    .min(60_000)
    .max(30 * 86_400_000)
    .default(8 * 3_600_000),
  maxFailedLogins: z.number().int().positive().max(1_000_000).default(10),
  trustProxy: z
    .number({ error: 'trustProxy is a whole number from 0 to 10' })
    .int('trustProxy is a whole number from 0 to 10')
    .min(0, 'trustProxy is a whole number from 0 to 10')
    .max(10, 'trustProxy is a whole number from 0 to 10')
    .default(0),
  refreshIntervalMs: z.union([z.literal(0), z.number().int().min(1000).max(3_600_000)]).default(5000),
})

/**
 * Applies defaults and validates.
 * @param options - what the caller passed
 * @returns the resolved options
 * @throws {@link RioValidationError} (`invalid_options`) naming each bad field
 */
export function resolveDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined))
  const parsed = schema.safeParse(given)
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
      .join('; ')
    throw new RioValidationError('invalid_options', `invalid dashboard options: ${problems}`, {
      issues: parsed.error.issues,
    })
  }
  const { adminToken, ...rest } = parsed.data
  return {
    adminTokens: typeof adminToken === 'string' ? [adminToken] : adminToken,
    publicUrl: undefined,
    ...rest,
  }
}
