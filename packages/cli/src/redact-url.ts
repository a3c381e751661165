// URLs fit to show: the one redaction the logs, the dashboard, the metrics and the CLI's output
// share, so a webhook URL's credentials are hidden the same way wherever Rio prints it.

import type { Handler } from '@rio/core'
import { isCredentialName } from './credential-name.js'

/**
 * A URL fit for a log line, a page or a terminal. Any credential in the URL's userinfo becomes
 * `***`: the password of `user:password@` (the user stays, so `user:***@` still tells accounts
 * apart), and a user alone (`https://TOKEN@host/`, how many services put an API token in a webhook
 * URL) as a whole: `https://***@host/`. The values of query parameters whose names look like
 * credentials ({@link isCredentialName}: `token`, `api_key`, `secret`, …) become `***` too. Scheme,
 * host, path and the other parameters are kept. Anything that is not a URL, and a URL without such
 * parts, comes back as it was.
 * @example
 * ```ts
 * redactUrl('https://u:p@h/x?api_key=1&page=2') // 'https://u:***@h/x?api_key=***&page=2'
 * redactUrl('https://TOKEN@h/x')                // 'https://***@h/x'
 * ```
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url
  const parsed = new URL(url)
  let changed = false
  if (parsed.password) {
    parsed.password = '***'
    changed = true
  } else if (parsed.username) {
    parsed.username = '***'
    changed = true
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (isCredentialName(name)) {
      parsed.searchParams.set(name, '***')
      changed = true
    }
  }
  // Re-serialising re-encodes `{{ }}` templates; keep the text as configured unless it had a secret.
  return changed ? parsed.toString() : url
}

/**
 * `text` with the URLs in it redacted by {@link redactUrl}: every occurrence of `url` (which may
 * hold spaces, as `{{ payload.x }}` templates do), then every other word that is a URL. For
 * handler names, which default to `<pattern> <url>`.
 */
export function redactUrlsIn(text: string, url?: string): string {
  const known = url ? text.split(url).join(redactUrl(url)) : text
  return known.replace(/\S+/g, (word) => redactUrl(word))
}

/**
 * A handler's name fit to show: a webhook's default name, `<pattern> <url>`, holds its URL, so the
 * URL (and any other URL in the name) is redacted by {@link redactUrlsIn}. The same handler always
 * gives the same string.
 */
export function redactHandlerName(handler: Handler): string {
  return redactUrlsIn(handler.name, handler.kind === 'webhook' ? handler.url : undefined)
}
