import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { readCookie, serializeCookie } from './cookies.js'

/** The session cookie's name. */
export const SESSION_COOKIE = 'rio_session'

/** A logged-in admin. */
export interface Session {
  /** Random, unguessable; the CSRF token is bound to it. */
  readonly id: string
  /** Ms since the epoch. */
  readonly expiresAt: number
}

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  readonly adminTokens: readonly string[]
  readonly ttlMs: number
  /** The cookie's `Path` (where the dashboard is mounted). */
  readonly path: string
  readonly now: () => number
}

const VALUE = /^(\d{1,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/
/** Logged-out sessions remembered at most; beyond it the ones expiring first are forgotten early. */
const MAX_REVOKED = 10_000

/**
 * Dashboard logins. Logging in compares the given token with every admin token in constant time
 * (sha256 of both sides, then `timingSafeEqual`, so neither length nor content leaks). A session is
 * a cookie `<expiresAt>.<id>.<hmac>`, HttpOnly and SameSite=Strict, signed with a key made per
 * process: a forged or altered cookie is refused, and restarting the server logs everyone out.
 * `Secure` is decided per request (`secure` below), as the same server may answer http and https.
 * Logging out revokes the session id until it would have expired, so a copied cookie dies with it.
 */
export class SessionManager {
  readonly #key = randomBytes(32)
  readonly #tokens: readonly Buffer[]
  readonly #revoked = new Map<string, number>()
  readonly #options: SessionManagerOptions

  constructor(options: SessionManagerOptions) {
    this.#options = options
    this.#tokens = options.adminTokens.map(digest)
  }

  /** True when `token` is one of the admin tokens; takes the same time whichever matches. */
  checkToken(token: string): boolean {
    const given = digest(token)
    let ok = false
    for (const expected of this.#tokens) ok = timingSafeEqual(given, expected) || ok
    return ok
  }

  /** Starts a session; returns it and its `Set-Cookie` value (marked `Secure` when `secure`). */
  create(secure: boolean): { session: Session; setCookie: string } {
    const session = {
      id: randomBytes(16).toString('base64url'),
      expiresAt: this.#options.now() + this.#options.ttlMs,
    }
    const value = `${session.expiresAt}.${session.id}.${this.#sign(session)}`
    return { session, setCookie: this.#cookie(value, Math.floor(this.#options.ttlMs / 1000), secure) }
  }

  /** The session a request's `Cookie` header carries, or null when absent, forged, expired or ended. */
  read(cookieHeader: string | undefined): Session | null {
    const match = VALUE.exec(readCookie(cookieHeader, SESSION_COOKIE) ?? '')
    if (!match) return null
    const session = { expiresAt: Number(match[1]), id: match[2]! }
    const given = Buffer.from(match[3]!)
    const expected = Buffer.from(this.#sign(session))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    if (session.expiresAt <= this.#options.now() || this.#revoked.has(session.id)) return null
    return session
  }

  /** Ends a session (log out); returns the `Set-Cookie` value that deletes the cookie. */
  end(session: Session, secure: boolean): string {
    this.#forgetExpired()
    this.#revoked.set(session.id, session.expiresAt)
    return this.#cookie('', 0, secure)
  }

  /** The `Set-Cookie` value that deletes a stale cookie. */
  clear(secure: boolean): string {
    return this.#cookie('', 0, secure)
  }

  #forgetExpired(): void {
    const now = this.#options.now()
    for (const [id, expiresAt] of this.#revoked) if (expiresAt <= now) this.#revoked.delete(id)
    if (this.#revoked.size < MAX_REVOKED) return
    const soonest = [...this.#revoked].sort((a, b) => a[1] - b[1])
    for (const [id] of soonest.slice(0, this.#revoked.size - MAX_REVOKED + 1)) this.#revoked.delete(id)
  }

  #sign(session: Session): string {
    return createHmac('sha256', this.#key)
      .update(`session.${session.expiresAt}.${session.id}`)
      .digest('base64url')
  }

  #cookie(value: string, maxAge: number, secure: boolean): string {
    return serializeCookie(SESSION_COOKIE, value, { path: this.#options.path, maxAge, secure })
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
