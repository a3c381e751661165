const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Markup that is already safe (built by {@link html}); every other value is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

/** Escapes text for HTML content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Date) return escapeHtml(value.toISOString())
  return escapeHtml(String(value))
}

/**
 * A tagged template that escapes every interpolated value, unless it is {@link SafeHtml} (the
 * result of another `html` call); arrays are joined, `null`, `undefined` and `false` render as
 * nothing. Event payloads, names, URLs and response bodies from the database can never become
 * markup. Every attribute in a template must be quoted, so an escaped value cannot leave it.
 * @example
 * ```ts
 * html`<td>${event.name}</td>` // '<script>' renders as '&lt;script&gt;'
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!
  return new SafeHtml(out)
}
