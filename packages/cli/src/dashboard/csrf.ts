import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Session } from './session.js'

/** The form field every POST must carry. */
export const CSRF_FIELD = 'csrf'

/**
 * CSRF tokens bound to a session: the token is an HMAC of the session id under a key made per
 * process, so it is the same on every page of one login (forms in open tabs stay valid), differs
 * per login, and cannot be computed by another site, which also never sees the SameSite=Strict
 * session cookie. Every POST must carry it; a missing or wrong one is refused with 403.
 */
export class CsrfTokens {
  readonly #key = randomBytes(32)

  /** The token to embed in the session's forms. */
  tokenFor(session: Session): string {
    return createHmac('sha256', this.#key).update(`csrf.${session.id}`).digest('base64url')
  }

  /** True when `token` is the session's token (constant time). */
  verify(session: Session, token: unknown): boolean {
    if (typeof token !== 'string') return false
    const given = Buffer.from(token)
    const expected = Buffer.from(this.tokenFor(session))
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
}

/**
 * True when the browser says the request was started by another site (`Sec-Fetch-Site`), refused
 * before the CSRF token is even read. Clients that send no such header (curl, old browsers) are
 * left to the token check.
 */
export function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site']
  return site === 'cross-site' || site === 'same-site'
}
