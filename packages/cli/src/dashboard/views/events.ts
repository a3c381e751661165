import type { Delivery, RioEvent } from '@rio/core'
import { html, type SafeHtml } from '../html.js'
import { dataTable, excerpt, shortId, statusLabel, time } from './components.js'
import { jsonExcerpt } from './event.js'
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
  /** Why a filter field was refused, by field: the list is not shown until it is fixed. */
  readonly errors?: { readonly from?: string | undefined; readonly to?: string | undefined }
}

/** One badge per delivery status with its count: `2 succeeded` `1 dead`. */
function summary(deliveries: readonly Delivery[]): SafeHtml {
  if (deliveries.length === 0) return html`<span class="muted">no handler</span>`
  const counts = new Map<string, number>()
  for (const d of deliveries) counts.set(statusLabel(d), (counts.get(statusLabel(d)) ?? 0) + 1)
  return html`${[...counts].map(([label, n]) => html`<span class="badge ${label.replace(' ', '-')}">${n} ${label}</span> `)}`
}

/**
 * A UTC time field of the filter form. A refused value marks it invalid, with the reason as its
 * description (shown between label and field); the first refused field takes the focus on load.
 */
function timeField(
  name: 'from' | 'to',
  label: string,
  value: string | undefined,
  error?: string,
  focus = false,
): SafeHtml {
  const id = `filter-${name}`
  const invalid = error
    ? html` aria-invalid="true" aria-describedby="${id}-error"${focus ? html` autofocus` : ''}`
    : ''
  return html`<div class="field"><label for="${id}">${label}</label>${error ? html`<span class="field-error" id="${id}-error">${error}</span>` : ''}<input type="datetime-local" id="${id}" name="${name}" value="${value ?? ''}" step="1"${invalid}></div>`
}

function filters(ctx: PageContext, view: EventsView): SafeHtml {
  const f = view.filter
  const errors = view.errors ?? {}
  return html`<form class="filters" method="get" action="${href(ctx, '/')}" role="search" aria-label="Filter events">
<div class="field"><label for="filter-name">Event name</label><input id="filter-name" name="name" value="${f.name ?? ''}" placeholder="comment-published" spellcheck="false"></div>
${
  view.projects.length > 1
    ? html`<div class="field"><label for="filter-project">Project</label><select id="filter-project" name="project"><option value="">all</option>${view.projects.map(
        (p) => html`<option value="${p}" ${f.project === p ? html`selected` : ''}>${p}</option>`,
      )}</select></div>`
    : ''
}
${timeField('from', 'From (UTC)', f.from, errors.from, true)}
${timeField('to', 'To (UTC)', f.to, errors.to, !errors.from)}
<button class="primary">Filter</button>${f.name || f.project || f.from || f.to ? html` <a class="button plain" href="${href(ctx, '/')}">Clear</a>` : ''}
</form>`
}

function table(ctx: PageContext, view: EventsView): SafeHtml {
  if (view.rows.length === 0)
    return html`<p class="empty">No events${view.paged ? ' older than these' : ''} match.</p>`
  const projects = view.projects.length > 1
  return dataTable(
    'events-caption',
    'Events',
    html`<th scope="col">Created (UTC)</th><th scope="col">Event</th>${projects ? html`<th scope="col">Project</th>` : ''}<th scope="col">Id</th><th scope="col">Deliveries</th><th scope="col">Payload</th>`,
    view.rows.map(
      ({ event, deliveries }) => html`<tr data-event="${event.id}">
<td class="nowrap">${time(event.createdAt)}</td>
<td><a href="${href(ctx, `/events/${segment(event.id)}`)}">${event.name}</a></td>
${projects ? html`<td>${event.project}</td>` : ''}
<td>${shortId(event.id)}</td>
<td class="badges">${summary(deliveries)}</td>
<td class="payload"><code>${excerpt(jsonExcerpt(event.payload, 120).text, 120)}</code></td></tr>`,
    ),
  )
}

function pager(ctx: PageContext, view: EventsView): SafeHtml {
  if (!view.paged && !view.older) return html``
  const f = view.filter
  return html`<nav class="pager" aria-label="pages">
${view.paged ? html`<a class="button plain" href="${href(ctx, '/', { ...f })}">← Newest</a>` : ''}
${view.older ? html`<a class="button plain" href="${href(ctx, '/', { ...f, before: view.older })}">Older →</a>` : ''}</nav>`
}

/**
 * The events list: newest first, filter by name, project and time range, cursor pagination. A
 * refused filter shows the form with its errors and no list.
 */
export function eventsPage(ctx: PageContext, view: EventsView): SafeHtml {
  if (view.errors?.from || view.errors?.to) {
    return layout({ ...ctx, refreshMs: 0 }, 'Events', {
      lead: filters(ctx, view),
      body: html`<p class="empty">Correct the filter above to see events.</p>`,
      invalid: true,
    })
  }
  // Only the first page refreshes: a later page is a fixed window into the past.
  return layout(view.paged ? { ...ctx, refreshMs: 0 } : ctx, 'Events', {
    lead: filters(ctx, view),
    live: html`${table(ctx, view)}${pager(ctx, view)}`,
  })
}
