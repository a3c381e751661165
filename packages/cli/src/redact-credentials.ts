// A receiver's answer can quote the request it got: a debugging endpoint echoes its headers, an
// error page its URL. Logged as it came, it would put the handler's credentials in the log, which
// more people read than the admin API. These are the credentials Rio itself sent, so each can be
// found by value and hidden.

import type { Handler } from '@rio/core'
import { isCredentialName } from './credential-name.js'

/** Shorter values are left alone: replacing them everywhere would garble the text and hide nothing. */
const SHORTEST = 4

const known = new WeakMap<Handler, readonly string[]>()

/** The user and password of a URL's userinfo, percent-encoded and decoded, and how undici sends them. */
function userinfo(url: URL): string[] {
  if (!url.username && !url.password) return []
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text)
    } catch {
      return text
    }
  }
  const user = decode(url.username)
  const password = decode(url.password)
  const basic = Buffer.from(`${user}:${password}`).toString('base64')
  // A user alone is how many services put an API token in a URL (`https://TOKEN@host/`).
  return [url.password, password, basic, ...(url.password ? [] : [url.username, user])]
}

/** The values of a URL's credential-like query parameters, as written and decoded. */
function queryValues(url: URL): string[] {
  const values: string[] = []
  for (const part of url.search.slice(1).split('&')) {
    const [name = '', raw = ''] = part.split('=', 2)
    if (!isCredentialName(name)) continue
    values.push(raw)
    try {
      values.push(decodeURIComponent(raw.replace(/\+/g, ' ')))
    } catch {
      // Not decodable: the raw value is all there is.
    }
  }
  return values
}

/** A header's value, and the token in it when it has a scheme (`Bearer abc`, `Basic dTpw`). */
function headerValues(value: string): string[] {
  const scheme = /^(\S+)\s+(\S+)$/.exec(value.trim())
  if (!scheme) return [value]
  const values = [value, scheme[2]!]
  if (scheme[1]!.toLowerCase() === 'basic') {
    const decoded = Buffer.from(scheme[2]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon >= 0) values.push(decoded.slice(colon + 1))
  }
  return values
}

/**
 * What a webhook handler sends that is a credential, longest first: its signing secrets (whole,
 * and without their `whsec_`/`whsk_` prefix), the values of its credential-like static headers
 * (and the token after a scheme such as `Bearer`), the user and password of its URL (and the
 * `Basic` credentials made from them), and the values of its URL's credential-like query
 * parameters. Values under 4 characters are left out. A function handler sends none.
 * @param handler - the handler
 */
export function handlerCredentials(handler: Handler): readonly string[] {
  if (handler.kind !== 'webhook') return []
  const cached = known.get(handler)
  if (cached) return cached
  const values: string[] = []
  for (const secret of handler.secrets) values.push(secret, secret.replace(/^wh(?:sec|sk)_/, ''))
  for (const [name, value] of Object.entries(handler.headers))
    if (isCredentialName(name)) values.push(...headerValues(value))
  if (URL.canParse(handler.url)) {
    const url = new URL(handler.url)
    values.push(...userinfo(url), ...queryValues(url))
  }
  const found = [...new Set(values)].filter((value) => value.length >= SHORTEST)
  found.sort((a, b) => b.length - a.length)
  known.set(handler, found)
  return found
}

/**
 * `text` with each of the handler's credentials ({@link handlerCredentials}) replaced by `***`,
 * wherever it appears: for a receiver's answer or an attempt's error before it is logged.
 * @example
 * ```ts
 * redactCredentialsIn('{"authorization":"Bearer abc123"}', handler) // '{"authorization":"***"}'
 * ```
 */
export function redactCredentialsIn(text: string, handler: Handler): string {
  let redacted = text
  for (const value of handlerCredentials(handler))
    if (redacted.includes(value)) redacted = redacted.split(value).join('***')
  return redacted
}
