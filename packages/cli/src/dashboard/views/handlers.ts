import type { Handler } from '@rio/core'
import { redactHandlerName, redactUrl } from '../../redact-url.js'
import { html, type SafeHtml } from '../html.js'
import { handlerState, postButton, time } from './components.js'
import { layout } from './layout.js'
import { href, type PageContext, segment } from './page-context.js'

/** The spans Recover offers, by form value. */
export const RECOVER_SPANS: Readonly<Record<string, { label: string; ms: number }>> = {
  '1h': { label: 'last hour', ms: 3_600_000 },
  '24h': { label: 'last day', ms: 86_400_000 },
  '7d': { label: 'last week', ms: 7 * 86_400_000 },
}

function actions(ctx: PageContext, h: Handler): SafeHtml {
  const base = `/handlers/${segment(h.id)}`
  const spans = html`<select name="since" aria-label="dead since">${Object.entries(RECOVER_SPANS).map(
    ([value, span]) =>
      html`<option value="${value}" ${value === '24h' ? html`selected` : ''}>${span.label}</option>`,
  )}</select>`
  return html`<div class="action-list">${
    h.enabled
      ? postButton(ctx, `${base}/disable`, 'Disable', {
          variant: 'danger',
          title: 'Pause: deliveries wait until enabled',
        })
      : postButton(ctx, `${base}/enable`, 'Enable', {
          variant: 'primary',
          title: 'Resume: waiting deliveries go out',
        })
  }
${postButton(ctx, `${base}/recover`, 'Recover', { extra: spans, title: 'Re-queue dead deliveries created since then' })}</div>`
}

/** Handlers with their state, Enable/Disable, and Recover (re-queue dead deliveries since a time). */
export function handlersPage(ctx: PageContext, handlers: readonly Handler[]): SafeHtml {
  const projects = new Set(handlers.map((h) => h.project))
  const live =
    handlers.length === 0
      ? html`<p class="empty">No handlers yet. Add one with <code>rio handler add</code> or <code>rio.webhook()</code>.</p>`
      : html`<div class="table-wrap"><table>
<thead><tr><th>Name</th>${projects.size > 1 ? html`<th>Project</th>` : ''}<th>Kind</th><th>Pattern</th><th>Target</th><th>State</th><th>Failing since (UTC)</th><th>Actions</th></tr></thead>
<tbody>${handlers.map(
          (h) => html`<tr data-handler="${h.id}">
<td class="name"><strong>${redactHandlerName(h)}</strong></td>${projects.size > 1 ? html`<td>${h.project}</td>` : ''}
<td>${h.kind}</td><td class="pattern"><code>${h.pattern}</code></td>
<td class="target">${h.kind === 'webhook' ? html`<span class="method">${h.method}</span> <code>${redactUrl(h.url)}</code>` : html`<span class="muted">in-process function</span>`}</td>
<td class="state">${handlerState(h)}</td>
<td class="nowrap">${h.failingSince ? html`<span class="error-text">${time(h.failingSince)}</span>` : html`<span class="muted">—</span>`}</td>
<td class="actions">${actions(ctx, h)}</td></tr>`,
        )}</tbody></table></div>`
  return layout(ctx, 'Handlers', {
    lead: html`<p class="hint">Disable pauses a handler (its deliveries wait); Recover re-queues its dead deliveries. See the <a href="${href(ctx, '/failed')}">failed deliveries</a>.</p>`,
    live,
  })
}
