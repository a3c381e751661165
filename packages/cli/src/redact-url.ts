// URLs fit to show: the one redaction the logs, the dashboard and the CLI's output share, so a
// webhook URL's credentials are hidden the same way wherever Rio prints it.

const SECRET_PARAM = /token|secret|key|password|passwd|signature|sig|auth/i

/**
 * A URL fit for a log line, a page or a terminal: the password of `user:password@` and the values
 * of query parameters that look like credentials (`token`, `api_key`, `secret`, …) are replaced by
 * `***`. Anything that is not a URL, and a URL without such parts, comes back as it was.
 * @example
 * ```ts
 * redactUrl('https://u:p@h/x?api_key=1&page=2') // 'https://u:***@h/x?api_key=***&page=2'
 * ```
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url
  const parsed = new URL(url)
  let changed = false
  if (parsed.password) {
    parsed.password = '***'
    changed = true
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
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
