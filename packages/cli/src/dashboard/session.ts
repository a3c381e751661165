import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const COOKIE = 'rio_session'
const TTL_MS = 8 * 3600 * 1000

/**
 * Admin sessions for the dashboard: a login with the admin token sets an HttpOnly, SameSite=Strict
 * cookie `<expiry>.<nonce>.<hmac>` signed with a key made per process (restarting logs everyone
 * out). CSRF tokens are an HMAC of the session, so a form from another site cannot forge one.
 */
export class Sessions {
  readonly #key = randomBytes(32)
  readonly #tokens: Buffer[]
  readonly #secure: boolean
  readonly #path: string

  constructor(adminToken: string | readonly string[], options: { secure: boolean; path: string }) {
    this.#tokens = (typeof adminToken === 'string' ? [adminToken] : adminToken).map(digest)
    this.#secure = options.secure
    this.#path = options.path
  }

  /** True when `token` is an admin token (constant time). */
  checkToken(token: string): boolean {
    const given = digest(token)
    let ok = false
    for (const t of this.#tokens) ok = timingSafeEqual(t, given) || ok
    return ok
  }

  /** A new session cookie header value. */
  create(now = Date.now()): string {
    const body = `${now + TTL_MS}.${randomBytes(12).toString('base64url')}`
    return this.#cookie(`${body}.${this.#sign(body)}`, TTL_MS / 1000)
  }

  /** The cookie header that ends the session. */
  clear(): string {
    return this.#cookie('', 0)
  }

  /** The session value from a request's Cookie header, when valid and not expired. */
  read(cookieHeader: string | undefined, now = Date.now()): string | null {
    const value = cookieHeader
      ?.split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1)
    if (!value) return null
    const at = value.lastIndexOf('.')
    if (at < 0) return null
    const body = value.slice(0, at)
    const mac = Buffer.from(value.slice(at + 1))
    const expected = Buffer.from(this.#sign(body))
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null
    if (!(Number(body.split('.')[0]) > now)) return null
    return value
  }

  /** The CSRF token for a session. */
  csrf(session: string): string {
    return this.#sign(`csrf:${session}`)
  }

  /** True when `token` is the session's CSRF token (constant time). */
  checkCsrf(session: string, token: unknown): boolean {
    if (typeof token !== 'string') return false
    const a = Buffer.from(token)
    const b = Buffer.from(this.csrf(session))
    return a.length === b.length && timingSafeEqual(a, b)
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url')
  }

  #cookie(value: string, maxAge: number): string {
    return `${COOKIE}=${value}; Path=${this.#path}; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.#secure ? '; Secure' : ''}`
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
