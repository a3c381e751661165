import { RioValidationError } from '../errors.js'
import type { JsonValue } from '../events/event.js'

/** What a URL template can refer to. */
export interface TemplateContext {
  readonly payload: JsonValue
  readonly event: { readonly id: string; readonly name: string; readonly project: string }
}

type Part = string | readonly string[]

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g
const PATH = /^(payload|event)((?:\.[A-Za-z0-9_$-]+)*)$/
const cache = new Map<string, (ctx: TemplateContext) => string>()

/**
 * Compiles a URL template of the original Rio, e.g. `https://host/comments/{{ payload.id }}`.
 * Sandboxed: a placeholder is only a dotted path rooted at `payload` or `event` (array indexes as
 * `payload.items.0`); nothing is evaluated. Values are URL-encoded (objects as JSON); missing ones
 * render as the empty string.
 * @throws {@link RioValidationError} (`invalid_handler`) for anything else between the braces
 */
export function compileUrlTemplate(template: string): (ctx: TemplateContext) => string {
  const cached = cache.get(template)
  if (cached) return cached
  const parts: Part[] = []
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    const expression = match[1]!
    const path = PATH.exec(expression)
    if (
      !path ||
      expression.split('.').some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype')
    ) {
      throw new RioValidationError(
        'invalid_handler',
        `invalid URL template placeholder "{{ ${expression} }}" in ${template}: use a dotted path such as {{ payload.id }} or {{ event.name }}`,
      )
    }
    parts.push(template.slice(last, match.index), expression.split('.'))
    last = match.index + match[0].length
  }
  const rest = template.slice(last)
  if (
    rest.includes('{{') ||
    rest.includes('}}') ||
    parts.some((p) => typeof p === 'string' && (p.includes('{{') || p.includes('}}')))
  ) {
    throw new RioValidationError('invalid_handler', `unbalanced "{{ }}" in URL template ${template}`)
  }
  parts.push(rest)
  const render =
    parts.length === 1
      ? () => template
      : (ctx: TemplateContext) => {
          let url = ''
          for (const part of parts) url += typeof part === 'string' ? part : encode(lookup(ctx, part))
          return url
        }
  if (cache.size >= 1000) cache.clear()
  cache.set(template, render)
  return render
}

function lookup(ctx: TemplateContext, path: readonly string[]): unknown {
  let value: unknown = ctx
  for (const key of path) {
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
 * Checks that a webhook URL (template) is an absolute http: or https: URL once its placeholders
 * are filled.
 * @throws {@link RioValidationError} (`invalid_handler`) naming the URL
 */
export function assertWebhookUrl(template: string): void {
  const render = compileUrlTemplate(template)
  // Placeholders render empty here, so a template may not build the scheme or host from a payload.
  const sample = render({ payload: null, event: { id: 'x', name: 'x', project: 'x' } })
  let url: URL
  try {
    url = new URL(sample)
  } catch {
    throw new RioValidationError(
      'invalid_handler',
      `webhook URL ${JSON.stringify(template)} is not an absolute URL; write it as http(s)://host[:port]/path`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RioValidationError(
      'invalid_handler',
      `webhook URL ${JSON.stringify(template)} uses ${url.protocol}; only http and https are allowed`,
    )
  }
}
