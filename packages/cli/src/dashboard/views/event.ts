import type { RioEvent } from '@rio/core'
import { html, type SafeHtml } from '../html.js'
import { type DeliveryRow, deliveriesTable, time } from './components.js'
import { layout } from './layout.js'
import type { PageContext } from './page-context.js'

/** One event: its fields, its payload as indented JSON, and its deliveries (live). */
export function eventPage(ctx: PageContext, event: RioEvent, deliveries: readonly DeliveryRow[]): SafeHtml {
  const lead = html`<dl class="facts">
<dt>Name</dt><dd><strong>${event.name}</strong></dd>
<dt>Id</dt><dd><code>${event.id}</code></dd>
<dt>Project</dt><dd>${event.project}</dd>
<dt>Created (UTC)</dt><dd>${time(event.createdAt)}</dd>
${event.idempotencyKey ? html`<dt>Idempotency key</dt><dd><code>${event.idempotencyKey}</code></dd>` : ''}</dl>
<h2 id="payload-heading">Payload</h2><pre class="json" role="region" aria-labelledby="payload-heading" tabindex="0">${JSON.stringify(event.payload, null, 2) ?? 'null'}</pre>
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
