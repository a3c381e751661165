/** Attributes of a cookie the dashboard sets. */
export interface CookieAttributes {
  readonly path: string
  /** Seconds; 0 deletes the cookie. */
  readonly maxAge: number
  readonly secure: boolean
}

/**
 * One cookie's value from a `Cookie` request header, or undefined. When a name appears more than
 * once (a cookie tossed in from a sibling domain), the first one, the most specific path, wins.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * A `Set-Cookie` value: always HttpOnly (no script reads it) and SameSite=Strict (no other site's
 * page sends it), `Secure` when asked. `value` must be cookie-safe (base64url and dots).
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const secure = attributes.secure ? '; Secure' : ''
  return `${name}=${value}; Path=${attributes.path}; Max-Age=${attributes.maxAge}; HttpOnly; SameSite=Strict${secure}`
}
