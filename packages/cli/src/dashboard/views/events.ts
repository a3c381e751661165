import type { Delivery, RioEvent } from '@rio/core'
import { html, type SafeHtml } from '../html.js'
import { excerpt, shortId, statusLabel, time } from './components.js'
import { layout } from './layout.js'
import { href, type PageContext, segment } from './page-context.js'

/** The filters of the events list, as typed in the form. */
export interface EventsFilter {
  readonly name?: string | undefined
  readonly project?: string | undefined
  /** `datetime-local` values, read as UTC. */
  readonly from?: string | undefined
  readonly to?: string | undefined
}

/** What the events list shows. */
export interface EventsView {
  readonly rows: readonly { readonly event: RioEvent; readonly deliveries: readonly Delivery[] }[]
  readonly filter: EventsFilter
  readonly projects: readonly string[]
  /** The cursor of the next (older) page, or null on the last page. */
  readonly older: string | null
  /** True past the first page. */
  readonly paged: boolean
}

/** One badge per delivery status with its count: `2 succeeded` `1 dead`. */
function summary(deliveries: readonly Delivery[]): SafeHtml {
  if (deliveries.length === 0) return html`<span class="muted">no handler</span>`
  const counts = new Map<string, number>()
  for (const d of deliveries) counts.set(statusLabel(d), (counts.get(statusLabel(d)) ?? 0) + 1)
  return html`${[...counts].map(([label, n]) => html`<span class="badge ${label.replace(' ', '-')}">${n} ${label}</span> `)}`
}

function filters(ctx: PageContext, view: EventsView): SafeHtml {
  const f = view.filter
  return html`<form class="filters" method="get" action="${href(ctx, '/')}">
<label>Event name <input name="name" value="${f.name ?? ''}" placeholder="comment-published" spellcheck="false"></label>
${
  view.projects.length > 1
    ? html`<label>Project <select name="project"><option value="">all</option>${view.projects.map(
        (p) => html`<option value="${p}" ${f.project === p ? html`selected` : ''}>${p}</option>`,
      )}</select></label>`
    : ''
}
<label>From (UTC) <input type="datetime-local" name="from" value="${f.from ?? ''}" step="1"></label>
<label>To (UTC) <input type="datetime-local" name="to" value="${f.to ?? ''}" step="1"></label>
<button class="primary">Filter</button>${f.name || f.project || f.from || f.to ? html` <a class="button plain" href="${href(ctx, '/')}">Clear</a>` : ''}
</form>`
}

function table(ctx: PageContext, view: EventsView): SafeHtml {
  if (view.rows.length === 0)
    return html`<p class="empty">No events${view.paged ? ' older than these' : ''} match.</p>`
  return html`<div class="table-wrap"><table>
<thead><tr><th>Created (UTC)</th><th>Event</th>${view.projects.length > 1 ? html`<th>Project</th>` : ''}<th>Id</th><th>Deliveries</th><th>Payload</th></tr></thead>
<tbody>${view.rows.map(
    ({ event, deliveries }) => html`<tr data-event="${event.id}">
<td class="nowrap">${time(event.createdAt)}</td>
<td><a href="${href(ctx, `/events/${segment(event.id)}`)}">${event.name}</a></td>
${view.projects.length > 1 ? html`<td>${event.project}</td>` : ''}
<td>${shortId(event.id)}</td>
<td class="badges">${summary(deliveries)}</td>
<td class="payload"><code>${excerpt(JSON.stringify(event.payload) ?? 'null', 120)}</code></td></tr>`,
  )}</tbody></table></div>`
}

function pager(ctx: PageContext, view: EventsView): SafeHtml {
  if (!view.paged && !view.older) return html``
  const f = view.filter
  return html`<nav class="pager" aria-label="pages">
${view.paged ? html`<a class="button plain" href="${href(ctx, '/', { ...f })}">← Newest</a>` : ''}
${view.older ? html`<a class="button plain" href="${href(ctx, '/', { ...f, before: view.older })}">Older →</a>` : ''}</nav>`
}

/** The events list: newest first, filter by name, project and time range, cursor pagination. */
export function eventsPage(ctx: PageContext, view: EventsView): SafeHtml {
  // Only the first page refreshes: a later page is a fixed window into the past.
  return layout(view.paged ? { ...ctx, refreshMs: 0 } : ctx, 'Events', {
    lead: filters(ctx, view),
    live: html`${table(ctx, view)}${pager(ctx, view)}`,
  })
}
