import { quoteInput, RioValidationError } from '../errors.js'
import type { JsonValue } from '../events/event.js'
import { isPrivateAddress } from './private-address.js'

/** What a URL template can refer to. */
export interface TemplateContext {
  readonly payload: JsonValue
  readonly event: { readonly id: string; readonly name: string; readonly project: string }
}

/** A compiled URL template: fills the placeholders from one event. */
export type UrlTemplate = (ctx: TemplateContext) => string

/** A placeholder: its path (root first), and whether it sits in the URL's path (before any `?` or `#`). */
interface Placeholder {
  readonly path: readonly string[]
  readonly inPath: boolean
}

/** Literal text, or a placeholder. */
type Part = string | Placeholder

// A key is an identifier-ish name or an array index; `-` because JSON keys like `user-id` are common.
const PATH = /^(?:payload|event)(?:\.[A-Za-z0-9_$-]+)*$/
const EVENT_FIELDS = new Set(['id', 'name', 'project'])
// Keys that reach JavaScript internals rather than data; refused even though lookups use own properties only.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
// What the WHATWG URL parser treats as a `.` or `..` path segment (compared lower-cased): it resolves
// these, so a value forming one would move the request to another path. encodeURIComponent leaves
// dots alone, and a value's own `%` is encoded, but literal text around a value can still complete one.
const DOT_SEGMENTS = new Set(['.', '%2e', '..', '.%2e', '%2e.', '%2e%2e'])
// The parser drops tabs and newlines anywhere in a URL (and C0 controls and spaces at its end).
const IGNORED = /[\t\n\r]/g
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const CACHE_LIMIT = 1000
const cache = new Map<string, { readonly parts: readonly Part[]; readonly render: UrlTemplate }>()

/**
 * Compiles a URL template of the original Rio, e.g.
 * `https://host/comments/{{ payload.id }}/{{payload.user.name}}`. Sandboxed: a placeholder is only a
 * dotted path rooted at `payload` or `event` (`event.id`, `event.name`, `event.project`), with array
 * indexes as `payload.items.0`; nothing is evaluated and there are no filters. Values are
 * URL-encoded with `encodeURIComponent` (objects and arrays as JSON first; a lone surrogate as
 * U+FFFD, as the URL parser does); missing ones and null render as the empty string. Compiled
 * templates are cached (up to 1000).
 *
 * Values cannot add path segments (`/` is encoded), but `.` and `..` pass `encodeURIComponent`
 * unchanged and the URL parser resolves them: a rendering in which a value makes a whole path
 * segment `.` or `..` (or a `%2e` form of them) throws instead of sending the request elsewhere.
 * In the query and fragment such values are left as they are.
 *
 * @param template - the handler's URL
 * @returns a function rendering the URL for one event; it throws {@link RioValidationError}
 *   (`invalid_payload`) when a value would form a dot segment in the path
 * @throws {@link RioValidationError} (`invalid_handler`) for a placeholder that is not such a path,
 *   or for unbalanced `{{` / `}}`
 * @example
 * ```ts
 * const url = compileUrlTemplate('https://example.com/comments/{{ payload.id }}')
 * url({ payload: { id: 'a b' }, event: { id: '…', name: 'comment-published', project: 'default' } })
 * // 'https://example.com/comments/a%20b'
 * ```
 */
export function compileUrlTemplate(template: string): UrlTemplate {
  return compiled(template).render
}

function compiled(template: string): { readonly parts: readonly Part[]; readonly render: UrlTemplate } {
  const cached = cache.get(template)
  if (cached) return cached
  const parts = parse(template)
  const render: UrlTemplate =
    parts.length === 1
      ? () => template
      : (ctx) => {
          let url = ''
          // Where each value placed in the path starts, checked once the whole URL is known.
          const placed: [number, Placeholder][] = []
          for (const part of parts) {
            if (typeof part === 'string') {
              url += part
            } else {
              if (part.inPath) placed.push([url.length, part])
              url += encode(lookup(ctx, part.path))
            }
          }
          for (const [at, part] of placed) assertNoDotSegment(template, url, at, part)
          return url
        }
  const entry = { parts, render }
  // Templates come from handler definitions, so a few distinct ones; clearing keeps it bounded simply.
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(template, entry)
  return entry
}

function parse(template: string): Part[] {
  const parts: Part[] = []
  let from = 0
  let inPath = true
  for (;;) {
    const open = template.indexOf('{{', from)
    const literal = template.slice(from, open === -1 ? undefined : open)
    if (literal.includes('}}')) throw unbalanced(template)
    parts.push(literal)
    // Values are encoded, so only literal text can start the query or the fragment.
    if (literal.includes('?') || literal.includes('#')) inPath = false
    if (open === -1) return parts
    const close = template.indexOf('}}', open + 2)
    if (close === -1) throw unbalanced(template)
    const expression = template.slice(open + 2, close).trim()
    if (!PATH.test(expression)) throw badPlaceholder(template, expression)
    const path = expression.split('.')
    if (path.some((key) => FORBIDDEN_KEYS.has(key))) throw badPlaceholder(template, expression)
    if (path[0] === 'event' && (path.length !== 2 || !EVENT_FIELDS.has(path[1]!))) {
      throw badPlaceholder(template, expression)
    }
    parts.push({ path, inPath })
    from = close + 2
  }
}

function unbalanced(template: string): RioValidationError {
  return new RioValidationError(
    'invalid_handler',
    `unbalanced "{{ }}" in URL template ${shown(template)}: each {{ needs a matching }}`,
  )
}

function badPlaceholder(template: string, expression: string): RioValidationError {
  return new RioValidationError(
    'invalid_handler',
    `invalid placeholder "{{ ${expression} }}" in URL template ${shown(template)}: use a dotted path ` +
      'such as {{ payload.id }}, {{ payload.items.0 }}, {{ event.id }}, {{ event.name }} or {{ event.project }}',
  )
}

/**
 * Throws when the path segment holding the value placed at `at` is a dot segment. Values never
 * hold a slash, backslash, `?` or `#` (encoded), so the segment's bounds come from the literal text.
 */
function assertNoDotSegment(template: string, url: string, at: number, part: Placeholder): void {
  let start = at
  while (start > 0 && url[start - 1] !== '/' && url[start - 1] !== '\\') start--
  let end = at
  while (end < url.length && !'/\\?#'.includes(url[end]!)) end++
  let last = end
  if (end === url.length) while (last > start && url.charCodeAt(last - 1) <= 0x20) last--
  const segment = url.slice(start, last).replace(IGNORED, '')
  if (!DOT_SEGMENTS.has(segment.toLowerCase())) return
  throw new RioValidationError(
    'invalid_payload',
    `cannot fill URL template ${shown(template)}: {{ ${part.path.join('.')} }} makes the path ` +
      `segment ${JSON.stringify(segment)}, a dot segment that would send the request to another path; ` +
      'a value may not make a whole path segment "." or ".." (or %2e forms of them)',
  )
}

function lookup(ctx: TemplateContext, path: readonly string[]): unknown {
  let value: unknown = ctx
  for (const key of path) {
    // Own properties only: nothing on a prototype is reachable, whatever the key.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

function encode(value: unknown): string {
  if (value === undefined || value === null) return ''
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  // encodeURIComponent throws on a lone surrogate ("\ud800" is valid JSON, so any sender can emit
  // one); the URL parser turns it into U+FFFD, and so does this.
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'))
}

/**
 * Checks a webhook URL (template) when a handler is defined, so a bad one fails there rather than
 * on every delivery: it must compile, be an absolute `http:` or `https:` URL once its placeholders
 * are filled, and keep placeholders out of the scheme, host and port, so no event payload can
 * choose where a webhook goes.
 *
 * With `blockPrivateAddresses`, a host that can only be private — a literal private, loopback or
 * other non-public IP, or `localhost` — is refused here too, rather than on every delivery (names
 * are still checked on each address DNS returns, at connect time).
 *
 * @param template - the handler's URL
 * @param options.blockPrivateAddresses - Rio's option of that name
 * @throws {@link RioValidationError} (`invalid_handler`) naming the URL and what is wrong
 * @example
 * ```ts
 * assertWebhookUrl('https://example.com/hooks/{{ payload.id }}') // fine
 * assertWebhookUrl('ftp://example.com/') // throws: only http and https URLs are allowed
 * ```
 */
export function assertWebhookUrl(template: string, options: { blockPrivateAddresses?: boolean } = {}): void {
  const { parts } = compiled(template)
  const quoted = shown(template)
  const a = fill(parts, '1')
  let url: URL
  try {
    url = new URL(a)
  } catch {
    throw new RioValidationError(
      'invalid_handler',
      `webhook URL ${quoted} is not an absolute URL; write it as http(s)://host[:port]/path (only http and https are allowed)`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RioValidationError(
      'invalid_handler',
      `webhook URL ${quoted} uses ${url.protocol}; only http and https URLs are allowed`,
    )
  }
  // Two different fillings that change the origin mean a placeholder sits in the host or port.
  let other: string | null
  try {
    other = new URL(fill(parts, '2')).origin
  } catch {
    other = null
  }
  if (other !== url.origin) {
    throw new RioValidationError(
      'invalid_handler',
      `webhook URL ${quoted} has a placeholder in its scheme, host or port; placeholders may only fill the path, query or fragment`,
    )
  }
  if (options.blockPrivateAddresses) {
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (isPrivateAddress(host) || /^(?:.+\.)?localhost\.?$/i.test(host)) {
      throw new RioValidationError(
        'invalid_handler',
        `webhook URL ${quoted} points at ${host}, a private address, which blockPrivateAddresses refuses; use a public host, or turn the option off for receivers inside your network`,
      )
    }
  }
}

/**
 * The template quoted for a message, its password (`https://user:pass@host/`, the handler's
 * credential) masked: these messages reach API answers, logs and recorded attempts.
 */
function shown(template: string): string {
  return quoteInput(template.replace(/^([a-z][a-z\d+.-]*:\/\/[^/?#@]*?:)[^/?#]*@/i, '$1***@'), 200)
}

function fill(parts: readonly Part[], dummy: string): string {
  let url = ''
  for (const part of parts) url += typeof part === 'string' ? part : dummy
  return url
}
