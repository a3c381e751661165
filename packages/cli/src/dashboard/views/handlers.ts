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

/** What the handlers list shows: one page of handlers, by project then name. */
export interface HandlersView {
  readonly handlers: readonly Handler[]
  /** Whether there is more than one project: the table then has a Project column, on every page. */
  readonly manyProjects: boolean
  /** The cursor of the next page (the last handler's id), or null on the last page. */
  readonly next: string | null
  /** True past the first page. */
  readonly paged: boolean
}

function pager(ctx: PageContext, view: HandlersView): SafeHtml {
  if (!view.paged && !view.next) return html``
  return html`<nav class="pager" aria-label="pages">
${view.paged ? html`<a class="button plain" href="${href(ctx, '/handlers')}">← First</a>` : ''}
${view.next ? html`<a class="button plain" href="${href(ctx, '/handlers', { after: view.next })}">Next →</a>` : ''}</nav>`
}

/**
 * Handlers with their state, Enable/Disable, and Recover (re-queue dead deliveries since a time), a
 * page at a time. Only the first page refreshes itself: a later one is a fixed window, as the other lists'.
 */
export function handlersPage(ctx: PageContext, view: HandlersView): SafeHtml {
  const { handlers } = view
  const manyProjects = view.manyProjects
  const table =
    handlers.length === 0
      ? view.paged
        ? html`<p class="empty">No handlers after these.</p>`
        : html`<p class="empty">No handlers yet. Add one with <code>rio handler add</code> or <code>rio.webhook()</code>.</p>`
      : dataTable(
          'handlers-caption',
          'Handlers',
          html`<th scope="col">Name</th>${manyProjects ? html`<th scope="col">Project</th>` : ''}<th scope="col">Kind</th><th scope="col">Pattern</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Failing since (UTC)</th><th scope="col">Actions</th>`,
          handlers.map(
            (h) => html`<tr data-handler="${h.id}">
<td class="name"><strong>${redactHandlerName(h)}</strong></td>${manyProjects ? html`<td>${h.project}</td>` : ''}
<td>${h.kind}</td><td class="pattern"><code>${h.pattern}</code></td>
<td class="target">${h.kind === 'webhook' ? html`<span class="method">${h.method}</span> <code>${redactUrl(h.url)}</code>` : html`<span class="muted">in-process function</span>`}</td>
<td class="state">${handlerState(h)}</td>
<td class="nowrap">${h.failingSince ? html`<span class="error-text">${time(h.failingSince)}</span>` : html`<span class="muted">—</span>`}</td>
<td class="actions">${actions(ctx, h)}</td></tr>`,
          ),
        )
  return layout(view.paged ? { ...ctx, refreshMs: 0 } : ctx, 'Handlers', {
    lead: html`<p class="hint">Disable pauses a handler (its deliveries wait); Recover re-queues its dead deliveries. See the <a href="${href(ctx, '/failed')}">failed deliveries</a>.</p>`,
    live: html`${table}${pager(ctx, view)}`,
  })
}
