import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Rio } from '../rio.js'
import type { Sender } from '../store/store.js'
import { ApiError } from './api-error.js'
import type { ResolvedApiOptions } from './api-options.js'
import { clientKey } from './client-address.js'
import { FailedAuthLimiter } from './failed-auth-limiter.js'

/** What an `Authorization` header holds. */
export type Credentials =
  | { readonly scheme: 'basic'; readonly user: string; readonly password: string }
  | { readonly scheme: 'bearer'; readonly token: string }

/** Who may emit: an admin (any project) or a sender of the project. */
export type EmitPrincipal =
  | { readonly kind: 'admin' }
  | {
      readonly kind: 'sender'
      readonly sender: Sender
      /** False once the sender was removed since the check: check again after reading the body. */
      readonly stillValid: () => boolean
    }

/** How a sender's Basic credentials fared, in the original route's terms. */
export type SenderCheck =
  | { readonly result: 'ok'; readonly stillValid: () => boolean }
  | { readonly result: 'missing' | 'wrong' | 'forbidden' }
  | { readonly result: 'rate_limited'; readonly retryAfter: number }

type SenderResult =
  | { readonly ok: true; readonly sender: Sender; readonly stillValid: () => boolean }
  | { readonly ok: false; readonly reason: 'unauthorized' | 'forbidden' }
  | { readonly ok: false; readonly reason: 'rate_limited'; readonly retryAfter: number }

/** Reused: `decode()` without `stream` keeps no state between calls. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })
const SENDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const MAX_SECRET = 512
const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="rio", charset="UTF-8"' }
const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer realm="rio"' }

/**
 * Parses an `Authorization` header (Basic or Bearer).
 * @returns the credentials, or null when the header is absent, of another scheme or malformed
 */
export function parseAuthorization(header: string | undefined): Credentials | null {
  if (!header) return null
  const match = /^([A-Za-z]+) +([^ ]+) *$/.exec(header)
  if (!match) return null
  const scheme = match[1]!.toLowerCase()
  const value = match[2]!
  if (scheme === 'bearer') return { scheme, token: value }
  if (scheme !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null
  let decoded: string
  try {
    decoded = STRICT_UTF8.decode(Buffer.from(value, 'base64'))
  } catch {
    return null
  }
  const colon = decoded.indexOf(':')
  if (colon < 0) return null
  return { scheme, user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/**
 * Authenticates API requests: sender Basic credentials through `rio.authenticateSender`, admin
 * Bearer tokens compared in constant time (sha256 of both sides, then `timingSafeEqual`), and a
 * per-address limit on failures in which a sender check still in progress counts as a failure (see
 * {@link FailedAuthLimiter}).
 */
export class ApiAuth {
  readonly #rio: Rio
  readonly #tokens: readonly Buffer[]
  readonly #limiter: FailedAuthLimiter | null
  readonly #trustProxy: number

  constructor(rio: Rio, options: ResolvedApiOptions) {
    this.#rio = rio
    this.#trustProxy = options.trustProxy
    this.#tokens = options.adminToken.map(digest)
    this.#limiter =
      options.failedAuthLimit === false
        ? null
        : new FailedAuthLimiter(options.failedAuthLimit, options.failedAuthWindowMs)
  }

  /** Whether an admin token is configured (otherwise the management API is disabled). */
  get adminEnabled(): boolean {
    return this.#tokens.length > 0
  }

  /**
   * Requires the admin Bearer token.
   * @throws {@link ApiError} 403 `admin_api_disabled` when no token is configured; 429 after too
   *   many failures from this address; 401 when the token is missing or wrong
   */
  requireAdmin(req: IncomingMessage): void {
    if (!this.adminEnabled) {
      throw new ApiError(
        'admin_api_disabled',
        'the management API is disabled: no admin token is configured; pass `adminToken` to the API options (e.g. rio.listen({ adminToken }))',
      )
    }
    this.#checkLimit(req)
    const credentials = parseAuthorization(req.headers.authorization)
    if (credentials?.scheme !== 'bearer') {
      throw new ApiError('unauthorized', 'send the admin token as "Authorization: Bearer <token>"', {
        headers: BEARER_CHALLENGE,
      })
    }
    if (!this.#isAdmin(credentials.token)) {
      this.#fail(req)
      throw new ApiError('unauthorized', 'the admin token is wrong', { headers: BEARER_CHALLENGE })
    }
  }

  /**
   * Authenticates an emit into `project`: a sender of that project (HTTP Basic) or the admin token.
   * @throws {@link ApiError} 401 with `WWW-Authenticate: Basic` when missing or wrong; 403 when the
   *   sender belongs to another project; 429 after too many failures from this address
   */
  async authorizeEmit(req: IncomingMessage, project: string): Promise<EmitPrincipal> {
    this.#checkLimit(req)
    const credentials = parseAuthorization(req.headers.authorization)
    if (!credentials) {
      throw new ApiError(
        'unauthorized',
        'send the sender credentials from the DSN as HTTP Basic auth (sender:secret), or the admin token as a Bearer token',
        { headers: BASIC_CHALLENGE },
      )
    }
    if (credentials.scheme === 'bearer') {
      if (this.#isAdmin(credentials.token)) return { kind: 'admin' }
      this.#fail(req)
      throw new ApiError('unauthorized', 'the Bearer token is not an admin token', {
        headers: BASIC_CHALLENGE,
      })
    }
    const result = await this.#sender(req, project, credentials.user, credentials.password)
    if (result.ok) return { kind: 'sender', sender: result.sender, stillValid: result.stillValid }
    if (result.reason === 'rate_limited') throw rateLimited(result.retryAfter)
    if (result.reason === 'forbidden') {
      throw new ApiError(
        'forbidden',
        `sender "${credentials.user}" may not emit into project "${project}"; use a sender of that project`,
      )
    }
    throw new ApiError('unauthorized', 'the sender name or secret is wrong', { headers: BASIC_CHALLENGE })
  }

  /** Checks Basic sender credentials for the original route, which words each failure its own way. */
  async checkSender(req: IncomingMessage, project: string): Promise<SenderCheck> {
    const seconds = this.#retryAfter(req)
    if (seconds > 0) return { result: 'rate_limited', retryAfter: seconds }
    const credentials = parseAuthorization(req.headers.authorization)
    if (credentials?.scheme !== 'basic') return { result: 'missing' }
    const result = await this.#sender(req, project, credentials.user, credentials.password)
    if (result.ok) return { result: 'ok', stillValid: result.stillValid }
    if (result.reason === 'rate_limited') return { result: 'rate_limited', retryAfter: result.retryAfter }
    return { result: result.reason === 'forbidden' ? 'forbidden' : 'wrong' }
  }

  async #sender(
    req: IncomingMessage,
    project: string,
    user: string,
    password: string,
  ): Promise<SenderResult> {
    // Names and secrets no sender can have are refused without a lookup.
    if (!SENDER_NAME.test(user) || password.length === 0 || password.length > MAX_SECRET) {
      this.#fail(req)
      return { ok: false, reason: 'unauthorized' }
    }
    if (!this.#limiter) return this.#rio.authenticateSender(project, user, password)
    // Reserved before the scrypt starts: counting failures only once checks finish would let one
    // address start any number of checks at once.
    const from = this.#address(req)
    // Held only while the check runs, as the request itself holds the secret; hashing it would add
    // a SHA-256 to every emit.
    const key = `${project}\n${user}\n${password}`
    const wait = this.#limiter.acquire(from, key)
    if (wait > 0) return { ok: false, reason: 'rate_limited', retryAfter: wait }
    try {
      const result = await this.#rio.authenticateSender(project, user, password)
      if (!result.ok && result.reason === 'unauthorized') this.#limiter.fail(from)
      return result
    } finally {
      this.#limiter.release(from, key)
    }
  }

  #isAdmin(token: string): boolean {
    const given = digest(token)
    let ok = false
    // Compare with every token, so the time taken does not tell which one matched.
    for (const expected of this.#tokens) ok = timingSafeEqual(given, expected) || ok
    return ok
  }

  #checkLimit(req: IncomingMessage): void {
    const seconds = this.#retryAfter(req)
    if (seconds > 0) throw rateLimited(seconds)
  }

  #retryAfter(req: IncomingMessage): number {
    return this.#limiter?.retryAfter(this.#address(req)) ?? 0
  }

  #fail(req: IncomingMessage): void {
    this.#limiter?.fail(this.#address(req))
  }

  #address(req: IncomingMessage): string {
    return clientKey(req, this.#trustProxy)
  }
}

function rateLimited(seconds: number): ApiError {
  return new ApiError(
    'rate_limited',
    `too many failed or unfinished authentications from this address (earlier requests were answered 401, or too many sign-ins from it were still being checked); check the credentials it sends (a wrong secret, or the DSN of a removed sender), or set trustProxy when Rio is behind a reverse proxy, then try again in ${seconds} s`,
    { headers: { 'retry-after': String(seconds) } },
  )
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}
