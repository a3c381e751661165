import type { Delivery, Handler, RioEvent } from '@rio/core'
import { redactHandlerName } from '../../redact-url.js'
import { isRetrying } from '../../retrying.js'
import { CSRF_FIELD } from '../csrf.js'
import { html, type SafeHtml } from '../html.js'
import { href, type PageContext, segment } from './page-context.js'

/** A time in UTC, `2026-11-22 21:38:06`, machine-readable in `datetime`; a dash when null. */
export function time(date: Date | null): SafeHtml {
  if (!date) return html`<span class="muted">—</span>`
  const iso = date.toISOString()
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 19).replace('T', ' ')}</time>`
}

/** `850 ms`, `1.2 s`, `2 min`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.round(ms / 60_000)} min`
}

/** What a delivery's status reads as: a pending delivery that has failed before is "retrying". */
export function statusLabel(delivery: Delivery): string {
  if (isRetrying(delivery)) return 'retrying'
  return delivery.status === 'in_flight' ? 'in flight' : delivery.status
}

/** A badge colored by the delivery's status. */
export function statusBadge(delivery: Delivery): SafeHtml {
  const label = statusLabel(delivery)
  return html`<span class="badge ${label.replace(' ', '-')}">${label}</span>`
}

/** A badge for an HTTP status: green for 2xx, red otherwise; a dash when there was no response. */
export function httpBadge(status: number | null): SafeHtml {
  if (status === null) return html`<span class="muted">—</span>`
  return html`<span class="badge ${status >= 200 && status < 300 ? 'succeeded' : 'dead'}">${status}</span>`
}

/** A badge for a handler's state, with the reason it was disabled. */
export function handlerState(handler: Handler): SafeHtml {
  if (handler.enabled) return html`<span class="badge succeeded">enabled</span>`
  const reason = handler.disabledReason?.replaceAll('_', ' ')
  return html`<span class="badge disabled">disabled</span>${reason ? html` <span class="muted">${reason}</span>` : ''}`
}

/** The first 8 characters of an id, the rest in the tooltip. */
export function shortId(id: string): SafeHtml {
  return html`<code title="${id}">${id.length > 12 ? `${id.slice(0, 8)}…` : id}</code>`
}

/**
 * A one-button form that POSTs `action` with the session's CSRF token and the page to return to.
 * @param extra - more fields inside the form, before the button (a select)
 * @param name - the button's accessible name when `label` alone is ambiguous (one per table row:
 *   `Disable antispam`); it starts with `label`, so speech control still finds the button by it
 */
export function postButton(
  ctx: PageContext,
  action: string,
  label: string,
  options: { extra?: SafeHtml; variant?: 'primary' | 'danger' | 'plain'; title?: string; name?: string } = {},
): SafeHtml {
  return html`<form class="inline" method="post" action="${ctx.base}${action}"><input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf}"><input type="hidden" name="back" value="${ctx.here}">${options.extra ?? ''}<button class="${options.variant ?? 'plain'}" ${options.title ? html`title="${options.title}"` : ''}${options.name ? html` aria-label="${options.name}"` : ''}>${label}</button></form>`
}

/**
 * A data table in a box that scrolls sideways when the window is narrow. The box is a region named
 * by the table's caption and in the tab order, so a keyboard can scroll it even when no cell holds
 * a link; the caption names the table for screen readers (the page's heading already shows it).
 * @param id - the caption's id, unique on the page
 * @param head - the header cells, each `<th scope="col">`
 */
export function dataTable(id: string, caption: string, head: SafeHtml, rows: SafeHtml[]): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-labelledby="${id}" tabindex="0"><table>
<caption class="visually-hidden" id="${id}">${caption}</caption>
<thead><tr>${head}</tr></thead>
<tbody>${rows}</tbody></table></div>`
}

/**
 * Whether a delivery can be retriggered now: not while being attempted, not once its handler is
 * gone. A removed handler is not listed (`handler` is undefined), whatever state its finished
 * deliveries were left in (only unfinished ones become `cancelled`).
 */
export function canRetrigger(delivery: Delivery, handler: Handler | undefined): boolean {
  return handler !== undefined && delivery.status !== 'in_flight' && delivery.status !== 'cancelled'
}

/** The Retrigger button of a delivery (queues it again, due now), or nothing when it cannot be. */
export function retriggerButton(
  ctx: PageContext,
  delivery: Delivery,
  handler: Handler | undefined,
  variant: 'primary' | 'plain' = 'plain',
): SafeHtml {
  if (!canRetrigger(delivery, handler)) return html``
  return postButton(ctx, `/deliveries/${segment(delivery.id)}/redeliver`, 'Retrigger', {
    variant,
    title: 'Queue this delivery again, due now',
    name: `Retrigger delivery #${delivery.id}`,
  })
}

/** One row of a deliveries table: the delivery with its handler and, when shown, its event. */
export interface DeliveryRow {
  readonly delivery: Delivery
  readonly handler: Handler | undefined
  readonly event?: RioEvent | undefined
}

/**
 * A table of deliveries with their status, attempts, last result and a Retrigger button each.
 * @param caption - the table's name for screen readers, and its caption's id
 */
export function deliveriesTable(
  ctx: PageContext,
  rows: readonly DeliveryRow[],
  caption: { id: string; text: string },
  options: { showEvent?: boolean; empty?: string } = {},
): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">${options.empty ?? 'No deliveries.'}</p>`
  const head = html`<th scope="col">Delivery</th>${options.showEvent ? html`<th scope="col">Event</th>` : ''}<th scope="col">Handler</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last result</th><th scope="col">Next attempt (UTC)</th><th scope="col"><span class="visually-hidden">Actions</span></th>`
  return dataTable(
    caption.id,
    caption.text,
    head,
    rows.map(
      ({ delivery: d, handler, event }) => html`<tr data-delivery="${d.id}">
<td><a href="${href(ctx, `/deliveries/${segment(d.id)}`)}">#${d.id}</a></td>
${options.showEvent ? html`<td>${event ? html`<a href="${href(ctx, `/events/${segment(event.id)}`)}">${event.name}</a>` : shortId(d.eventId)}</td>` : ''}
<td>${handler ? redactHandlerName(handler) : d.handlerId}</td>
<td>${statusBadge(d)}</td>
<td class="num">${d.attempts}</td>
<td class="last">${d.lastStatus !== null ? httpBadge(d.lastStatus) : ''} ${errorText(d.lastError, d.lastStatus, 80)}</td>
<td>${d.status === 'pending' ? time(d.nextAttemptAt) : html`<span class="muted">—</span>`}</td>
<td class="actions">${retriggerButton(ctx, d, handler)}</td></tr>`,
    ),
  )
}

/** An error in red, or nothing when absent or only restating the HTTP status (`HTTP 503`) shown beside it. */
export function errorText(
  error: string | null,
  status: number | null,
  max = Number.POSITIVE_INFINITY,
): SafeHtml {
  if (!error || (status !== null && error === `HTTP ${status}`)) return html``
  return html`<span class="error-text">${excerpt(error, max)}</span>`
}

/** At most `max` characters of `text`, with an ellipsis when cut; never half of a surrogate pair (emoji). */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max
  return `${text.slice(0, end)}…`
}
