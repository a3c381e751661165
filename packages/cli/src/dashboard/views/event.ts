import type { RioEvent } from '@rio/core'
import { html, type SafeHtml } from '../html.js'
import { type DeliveryRow, deliveriesTable, excerpt, time } from './components.js'
import { layout } from './layout.js'
import type { PageContext } from './page-context.js'

/**
 * The most characters of payload an event page shows. A payload may be 64 MiB (`maxPayloadBytes`),
 * more again once indented: the page showed it whole, built as one string and sent to a browser
 * that then laid out a `<pre>` of tens of MB.
 */
export const PAYLOAD_SHOWN_CHARS = 1024 * 1024

/** One event: its fields, its payload as indented JSON (its start, when long), and its deliveries (live). */
export function eventPage(ctx: PageContext, event: RioEvent, deliveries: readonly DeliveryRow[]): SafeHtml {
  const shown = jsonExcerpt(event.payload, PAYLOAD_SHOWN_CHARS, 2)
  const lead = html`<dl class="facts">
<dt>Name</dt><dd><strong>${event.name}</strong></dd>
<dt>Id</dt><dd><code>${event.id}</code></dd>
<dt>Project</dt><dd>${event.project}</dd>
<dt>Created (UTC)</dt><dd>${time(event.createdAt)}</dd>
${event.idempotencyKey ? html`<dt>Idempotency key</dt><dd><code>${event.idempotencyKey}</code></dd>` : ''}</dl>
<h2 id="payload-heading">Payload</h2><pre class="json" role="region" aria-labelledby="payload-heading" tabindex="0">${excerpt(shown.text, PAYLOAD_SHOWN_CHARS)}</pre>
${shown.cut ? html`<p class="hint">Only the first ${PAYLOAD_SHOWN_CHARS.toLocaleString('en')} characters are shown. The whole payload: <code>GET /api/v1/events/${event.id}</code>.</p>` : ''}
<h2>Deliveries</h2>`
  // The payload box scrolls when long: a named region in the tab order, so a keyboard scrolls it too.
  return layout(ctx, `Event ${event.name}`, {
    lead,
    live: deliveriesTable(
      ctx,
      deliveries,
      { id: 'deliveries-caption', text: 'Deliveries' },
      { empty: 'No handler was subscribed to this event when it was emitted.' },
    ),
  })
}

/** A stack entry of {@link jsonExcerpt}: an object or array partly written. */
interface Open {
  readonly value: object
  /** The keys of an object; null for an array. */
  readonly keys: readonly string[] | null
  readonly count: number
  next: number
  readonly depth: number
}

/**
 * `value` as `JSON.stringify(value, null, indent)` writes it, stopped once `max` characters are
 * written: the first `max` characters are those JSON.stringify gives, and a payload of megabytes
 * costs what they do, not a serialisation of the whole. Iterative, so no nesting overflows the stack.
 * @param value - parsed JSON (no `toJSON`, no `undefined`)
 * @param max - characters wanted
 * @param indent - spaces per level; 0 for compact JSON. @default 0
 * @returns the text, and whether the whole is longer than `max` (then the text is too, and the
 *   caller cuts it at `max`)
 */
export function jsonExcerpt(value: unknown, max: number, indent = 0): { text: string; cut: boolean } {
  const parts: string[] = []
  let length = 0
  const write = (text: string) => {
    parts.push(text)
    length += text.length
  }
  const newline = (depth: number) => (indent > 0 ? `\n${' '.repeat(depth * indent)}` : '')
  // A long string is cut before it is escaped; one character past `max` so that what is kept
  // (the first `max` characters) never ends in a half-escaped character.
  const scalar = (item: unknown) =>
    typeof item === 'string'
      ? JSON.stringify(item.slice(0, max - length + 1))
      : (JSON.stringify(item) ?? 'null')
  const stack: Open[] = []
  const open = (item: unknown, depth: number) => {
    if (typeof item !== 'object' || item === null) return write(scalar(item))
    const keys = Array.isArray(item) ? null : Object.keys(item)
    const count = keys ? keys.length : (item as unknown[]).length
    if (count === 0) return write(keys ? '{}' : '[]')
    write(keys ? '{' : '[')
    stack.push({ value: item, keys, count, next: 0, depth })
  }
  open(value, 0)
  while (stack.length > 0 && length <= max) {
    const top = stack.at(-1)!
    if (top.next === top.count) {
      stack.pop()
      write(`${newline(top.depth)}${top.keys ? '}' : ']'}`)
      continue
    }
    const i = top.next++
    write(`${i > 0 ? ',' : ''}${newline(top.depth + 1)}`)
    if (top.keys) {
      const key = top.keys[i]!
      write(`${JSON.stringify(key.slice(0, max - length + 1))}${indent > 0 ? ': ' : ':'}`)
      open((top.value as Record<string, unknown>)[key], top.depth + 1)
    } else open((top.value as unknown[])[i], top.depth + 1)
  }
  const text = parts.join('')
  return { text, cut: length > max }
}
