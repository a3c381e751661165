import type { Handler } from '@rio/core'
import { redactHandlerName, redactUrl } from '../../redact-url.js'
import { html, type SafeHtml } from '../html.js'
import { dataTable, handlerState, postButton, time } from './components.js'
import { layout } from './layout.js'
import { href, type PageContext, segment } from './page-context.js'

/** The spans Recover offers, by form value. */
export const RECOVER_SPANS: Readonly<Record<string, { label: string; ms: number }>> = {
  '1h': { label: 'last hour', ms: 3_600_000 },
  '24h': { label: 'last day', ms: 86_400_000 },
  '7d': { label: 'last week', ms: 7 * 86_400_000 },
}

/** A row's buttons and select, each named after its handler (`Disable antispam`) so a list of controls tells them apart. */
function actions(ctx: PageContext, h: Handler): SafeHtml {
  const base = `/handlers/${segment(h.id)}`
  const name = redactHandlerName(h)
  const spans = html`<select name="since" aria-label="Recover dead deliveries of ${name} from the">${Object.entries(
    RECOVER_SPANS,
  ).map(
    ([value, span]) =>
      html`<option value="${value}" ${value === '24h' ? html`selected` : ''}>${span.label}</option>`,
  )}</select>`
  return html`<div class="action-list">${
    h.enabled
      ? postButton(ctx, `${base}/disable`, 'Disable', {
          variant: 'danger',
          title: 'Pause: deliveries wait until enabled',
          name: `Disable ${name}`,
        })
      : postButton(ctx, `${base}/enable`, 'Enable', {
          variant: 'primary',
          title: 'Resume: waiting deliveries go out',
          name: `Enable ${name}`,
        })
  }
${postButton(ctx, `${base}/recover`, 'Recover', { extra: spans, title: 'Re-queue dead deliveries created since then', name: `Recover ${name}` })}</div>`
}

/** Handlers with their state, Enable/Disable, and Recover (re-queue dead deliveries since a time). */
export function handlersPage(ctx: PageContext, handlers: readonly Handler[]): SafeHtml {
  const projects = new Set(handlers.map((h) => h.project))
  const live =
    handlers.length === 0
      ? html`<p class="empty">No handlers yet. Add one with <code>rio handler add</code> or <code>rio.webhook()</code>.</p>`
      : dataTable(
          'handlers-caption',
          'Handlers',
          html`<th scope="col">Name</th>${projects.size > 1 ? html`<th scope="col">Project</th>` : ''}<th scope="col">Kind</th><th scope="col">Pattern</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Failing since (UTC)</th><th scope="col">Actions</th>`,
          handlers.map(
            (h) => html`<tr data-handler="${h.id}">
<td class="name"><strong>${redactHandlerName(h)}</strong></td>${projects.size > 1 ? html`<td>${h.project}</td>` : ''}
<td>${h.kind}</td><td class="pattern"><code>${h.pattern}</code></td>
<td class="target">${h.kind === 'webhook' ? html`<span class="method">${h.method}</span> <code>${redactUrl(h.url)}</code>` : html`<span class="muted">in-process function</span>`}</td>
<td class="state">${handlerState(h)}</td>
<td class="nowrap">${h.failingSince ? html`<span class="error-text">${time(h.failingSince)}</span>` : html`<span class="muted">—</span>`}</td>
<td class="actions">${actions(ctx, h)}</td></tr>`,
          ),
        )
  return layout(ctx, 'Handlers', {
    lead: html`<p class="hint">Disable pauses a handler (its deliveries wait); Recover re-queues its dead deliveries. See the <a href="${href(ctx, '/failed')}">failed deliveries</a>.</p>`,
    live,
  })
}
