import { html, type SafeHtml } from '../html.js'
import { type DeliveryRow, deliveriesTable } from './components.js'
import { layout } from './layout.js'
import { href, type PageContext } from './page-context.js'

/** What the failed view shows. */
export interface FailedView {
  readonly dead: readonly DeliveryRow[]
  /** The cursor of the next page of dead deliveries, or null. */
  readonly olderDead: string | null
  readonly paged: boolean
  /** Pending deliveries that have failed at least once and wait for their next attempt. */
  readonly retrying: readonly DeliveryRow[]
  /** True when more deliveries are retrying than {@link FailedView.retrying} shows. */
  readonly moreRetrying: boolean
}

/** Dead deliveries (no attempt left) and retrying ones, each with Retrigger (live). */
export function failedPage(ctx: PageContext, view: FailedView): SafeHtml {
  const pager =
    view.paged || view.olderDead
      ? html`<nav class="pager" aria-label="pages">${view.paged ? html`<a class="button plain" href="${href(ctx, '/failed')}">← Newest</a>` : ''}
${view.olderDead ? html`<a class="button plain" href="${href(ctx, '/failed', { dead_before: view.olderDead })}">Older →</a>` : ''}</nav>`
      : ''
  const live = html`<h2>Dead <span class="count">${view.dead.length}${view.olderDead ? '+' : ''}</span></h2>
<p class="hint">Every attempt failed. Retrigger one, or re-queue a handler's dead deliveries with Recover on <a href="${href(ctx, '/handlers')}">Handlers</a>.</p>
${deliveriesTable(ctx, view.dead, { id: 'dead-caption', text: 'Dead deliveries' }, { showEvent: true, empty: 'No dead deliveries.' })}${pager}
<h2>Retrying <span class="count">${view.retrying.length}${view.moreRetrying ? '+' : ''}</span></h2>
<p class="hint">Failed at least once; the next attempt is scheduled. Retrigger makes it due now.</p>
${deliveriesTable(ctx, view.retrying, { id: 'retrying-caption', text: 'Retrying deliveries' }, { showEvent: true, empty: 'Nothing is waiting for a retry.' })}`
  return layout(view.paged ? { ...ctx, refreshMs: 0 } : ctx, 'Failed deliveries', { live })
}
