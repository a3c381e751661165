import { RioValidationError } from '../errors.js'
import type { JsonValue } from '../events/event.js'

/** What a URL template can refer to. */
export interface TemplateContext {
  readonly payload: JsonValue
  readonly event: { readonly id: string; readonly name: string; readonly project: string }
}

/** A compiled URL template: fills the placeholders from one event. */
export type UrlTemplate = (ctx: TemplateContext) => string

/** Literal text, or a placeholder's path (root first). */
type Part = string | readonly string[]

// A key is an identifier-ish name or an array index; `-` because JSON keys like `user-id` are common.
const PATH = /^(?:payload|event)(?:\.[A-Za-z0-9_$-]+)*$/
const EVENT_FIELDS = new Set(['id', 'name', 'project'])
// Keys that reach JavaScript internals rather than data; refused even though lookups use own properties only.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const CACHE_LIMIT = 1000
const cache = new Map<string, { readonly parts: readonly Part[]; readonly render: UrlTemplate }>()

/**
 * Compiles a URL template of the original Rio, e.g.
 * `https://host/comments/{{ payload.id }}/{{payload.user.name}}`. Sandboxed: a placeholder is only a
 * dotted path rooted at `payload` or `event` (`event.id`, `event.name`, `event.project`), with array
 * indexes as `payload.items.0`; nothing is evaluated and there are no filters. Values are
 * URL-encoded with `encodeURIComponent` (objects and arrays as JSON first); missing ones and null
 * render as the empty string. Compiled templates are cached (up to 1000).
 *
 * @param template - the handler's URL
 * @returns a function rendering the URL for one event
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
          for (const part of parts) url += typeof part === 'string' ? part : encode(lookup(ctx, part))
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
  for (;;) {
    const open = template.indexOf('{{', from)
    const literal = template.slice(from, open === -1 ? undefined : open)
    if (literal.includes('}}')) throw unbalanced(template)
    parts.push(literal)
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
    parts.push(path)
    from = close + 2
  }
}

function unbalanced(template: string): RioValidationError {
  return new RioValidationError(
    'invalid_handler',
    `unbalanced "{{ }}" in URL template ${JSON.stringify(template)}: each {{ needs a matching }}`,
  )
}

function badPlaceholder(template: string, expression: string): RioValidationError {
  return new RioValidationError(
    'invalid_handler',
    `invalid placeholder "{{ ${expression} }}" in URL template ${JSON.stringify(template)}: use a dotted path ` +
      'such as {{ payload.id }}, {{ payload.items.0 }}, {{ event.id }}, {{ event.name }} or {{ event.project }}',
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
  return encodeURIComponent(typeof value === 'object' ? JSON.stringify(value) : String(value))
}

/**
 * Checks a webhook URL (template) when a handler is defined, so a bad one fails there rather than
 * on every delivery: it must compile, be an absolute `http:` or `https:` URL once its placeholders
 * are filled, and keep placeholders out of the scheme, host and port, so no event payload can
 * choose where a webhook goes.
 *
 * @param template - the handler's URL
 * @throws {@link RioValidationError} (`invalid_handler`) naming the URL and what is wrong
 * @example
 * ```ts
 * assertWebhookUrl('https://example.com/hooks/{{ payload.id }}') // fine
 * assertWebhookUrl('ftp://example.com/') // throws: only http and https URLs are allowed
 * ```
 */
export function assertWebhookUrl(template: string): void {
  const { parts } = compiled(template)
  const quoted = JSON.stringify(template)
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
}

function fill(parts: readonly Part[], dummy: string): string {
  let url = ''
  for (const part of parts) url += typeof part === 'string' ? part : dummy
  return url
}
