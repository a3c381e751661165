import type { Attempt, Delivery, Handler, RioEvent } from '@rio/core'
import { redactHandlerName, redactUrl } from '../../redact-url.js'
import { html, type SafeHtml } from '../html.js'
import {
  dataTable,
  duration,
  errorText,
  excerpt,
  httpBadge,
  retriggerButton,
  statusBadge,
  time,
} from './components.js'
import { layout } from './layout.js'
import { href, type PageContext, segment } from './page-context.js'

/** A response body: short ones inline, long ones folded behind their first line. */
function response(body: string | null): SafeHtml {
  if (!body) return html`<span class="muted">—</span>`
  if (body.length <= 160 && !body.includes('\n')) return html`<code class="response">${body}</code>`
  return html`<details><summary><code>${excerpt(body.split('\n')[0]!, 100)}</code></summary><pre class="response">${body}</pre></details>`
}

function attemptsTable(attempts: readonly Attempt[]): SafeHtml {
  if (attempts.length === 0) return html`<p class="empty">No attempt yet.</p>`
  const head = html`<th scope="col" class="num">#</th><th scope="col">Started (UTC)</th><th scope="col" class="num">Duration</th><th scope="col">HTTP status</th><th scope="col">Error</th><th scope="col">Response (first 4 KiB)</th>`
  return dataTable(
    'attempts-caption',
    'Attempts',
    head,
    [...attempts].reverse().map(
      (
        a,
      ) => html`<tr><td class="num">${a.number}</td><td class="nowrap">${time(a.startedAt)}</td><td class="num">${duration(a.durationMs)}</td>
<td>${httpBadge(a.status)}</td><td>${errorText(a.error, a.status)}</td><td>${response(a.responseBody)}</td></tr>`,
    ),
  )
}

/** One delivery: its state, a Retrigger button, and every attempt, newest first (live). */
export function deliveryPage(
  ctx: PageContext,
  delivery: Delivery,
  attempts: readonly Attempt[],
  handler: Handler | undefined,
  event: RioEvent | undefined,
): SafeHtml {
  const d = delivery
  const target = handler
    ? html`${redactHandlerName(handler)} <span class="muted">${handler.kind === 'webhook' ? `${handler.method} ${redactUrl(handler.url)}` : 'function'}</span>`
    : html`<code>${d.handlerId}</code> <span class="muted">(removed)</span>`
  const live = html`<dl class="facts">
<dt>Status</dt><dd>${statusBadge(d)} ${retriggerButton(ctx, d, handler, d.status === 'dead' ? 'primary' : 'plain')}</dd>
<dt>Event</dt><dd><a href="${href(ctx, `/events/${segment(d.eventId)}`)}">${event?.name ?? d.eventId}</a> <code class="muted">${d.eventId}</code></dd>
<dt>Handler</dt><dd>${target}</dd>
<dt>Attempts</dt><dd>${d.attempts}</dd>
<dt>Created (UTC)</dt><dd>${time(d.createdAt)}</dd>
${d.status === 'pending' ? html`<dt>Next attempt (UTC)</dt><dd>${time(d.nextAttemptAt)}</dd>` : ''}
${d.finishedAt ? html`<dt>Finished (UTC)</dt><dd>${time(d.finishedAt)}</dd>` : ''}
${d.lastError && d.status !== 'succeeded' ? html`<dt>Last error</dt><dd class="error-text">${d.lastError}</dd>` : ''}</dl>
<h2>Attempts</h2>${attemptsTable(attempts)}`
  return layout(ctx, `Delivery #${d.id}`, { live })
}
