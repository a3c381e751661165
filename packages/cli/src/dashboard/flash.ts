import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { readCookie, serializeCookie } from './cookies.js'

/** A one-time message shown on the page an action redirects to. */
export interface Flash {
  readonly kind: 'ok' | 'error'
  readonly message: string
}

const COOKIE = 'rio_flash'

/**
 * Flash messages travel in a short-lived signed cookie, not in the URL: a link from elsewhere
 * cannot make the dashboard display text of an attacker's choosing, and reloading the page does not
 * repeat the message.
 */
export class FlashCookie {
  readonly #key = randomBytes(32)

  /** @param path - the cookie's `Path` (where the dashboard is mounted) */
  constructor(readonly path: string) {}

  /** The `Set-Cookie` value carrying `flash` to the next page (for one minute), `Secure` when `secure`. */
  set(flash: Flash, secure: boolean): string {
    const body = Buffer.from(JSON.stringify(flash)).toString('base64url')
    return serializeCookie(COOKIE, `${body}.${this.#sign(body)}`, { path: this.path, maxAge: 60, secure })
  }

  /** The flash a request carries, or null when none or not signed by this process. */
  read(cookieHeader: string | undefined): Flash | null {
    const value = readCookie(cookieHeader, COOKIE)
    const dot = value?.indexOf('.') ?? -1
    if (!value || dot < 0) return null
    const body = value.slice(0, dot)
    const given = Buffer.from(value.slice(dot + 1))
    const expected = Buffer.from(this.#sign(body))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    try {
      const flash = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Flash
      return typeof flash.message === 'string' && (flash.kind === 'ok' || flash.kind === 'error')
        ? flash
        : null
    } catch {
      return null
    }
  }

  /** The `Set-Cookie` value that deletes the flash once shown. */
  clear(secure: boolean): string {
    return serializeCookie(COOKIE, '', { path: this.path, maxAge: 0, secure })
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(`flash.${body}`).digest('base64url')
  }
}
