import type { Attempt, Delivery, Handler, RioEvent } from '@rio/core'
import { html, type SafeHtml } from './html.js'

/** What every page needs: where it is mounted, the CSRF token, a flash message. */
export interface PageContext {
  readonly base: string
  readonly csrf: string
  readonly flash?: string | undefined
  /** Lists refresh themselves every few seconds. */
  readonly live?: boolean
}

export function layout(ctx: PageContext, title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${ctx.live ? html`<meta http-equiv="refresh" content="5">` : ''}
<title>${title} · Rio</title><link rel="stylesheet" href="${ctx.base}/assets/style.css"></head>
<body><header><a class="brand" href="${ctx.base}/">Rio</a>
<nav><a href="${ctx.base}/">Events</a><a href="${ctx.base}/failed">Failed</a><a href="${ctx.base}/handlers">Handlers</a></nav>
<form method="post" action="${ctx.base}/logout"><input type="hidden" name="csrf" value="${ctx.csrf}"><button class="link">Log out</button></form></header>
<main>${ctx.flash ? html`<p class="flash" role="status">${ctx.flash}</p>` : ''}<h1>${title}</h1>${body}</main></body></html>`
}

export function loginPage(base: string, error?: string): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in · Rio</title><link rel="stylesheet" href="${base}/assets/style.css"></head>
<body class="login"><main><h1>Rio</h1>${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${base}/login"><label>Admin token <input type="password" name="token" autocomplete="current-password" autofocus required></label>
<button>Log in</button></form></main></body></html>`
}

const badge = (status: string) => html`<span class="badge ${status}">${status.replace('_', ' ')}</span>`

export function eventsPage(
  ctx: PageContext,
  events: readonly RioEvent[],
  filter: { name?: string | undefined; since?: string | undefined },
  next: string | null,
): SafeHtml {
  return layout(
    ctx,
    'Events',
    html`<form class="filters" method="get" action="${ctx.base}/">
<label>Name <input name="name" value="${filter.name ?? ''}" placeholder="comment-published"></label>
<label>Since <select name="since">${['', '1h', '24h', '7d'].map(
      (s) =>
        html`<option value="${s}" ${filter.since === s ? html`selected` : ''}>${s || 'any time'}</option>`,
    )}</select></label><button>Filter</button></form>
<table><thead><tr><th>Event</th><th>Name</th><th>Project</th><th>Created</th><th>Payload</th></tr></thead><tbody>
${events.map(
  (
    e,
  ) => html`<tr><td><a href="${ctx.base}/events/${e.id}"><code>${e.id}</code></a></td><td>${e.name}</td><td>${e.project}</td>
<td>${e.createdAt}</td><td class="payload"><code>${JSON.stringify(e.payload).slice(0, 120)}</code></td></tr>`,
)}</tbody></table>${events.length === 0 ? html`<p class="empty">No events yet.</p>` : ''}
${next ? html`<p><a href="${ctx.base}/?${new URLSearchParams({ ...(filter.name ? { name: filter.name } : {}), ...(filter.since ? { since: filter.since } : {}), before: next }).toString()}">Older →</a></p>` : ''}`,
  )
}

function deliveryRows(
  ctx: PageContext,
  deliveries: readonly Delivery[],
  handlers: Map<string, Handler>,
): SafeHtml {
  return html`<table><thead><tr><th>Delivery</th><th>Handler</th><th>Status</th><th>Attempts</th><th>Last</th><th>Next attempt</th><th></th></tr></thead><tbody>
${deliveries.map(
  (
    d,
  ) => html`<tr data-delivery="${d.id}"><td><a href="${ctx.base}/deliveries/${d.id}">#${d.id}</a></td><td>${handlers.get(d.handlerId)?.name ?? d.handlerId}</td>
<td>${badge(d.status)}</td><td>${d.attempts}</td><td>${d.lastStatus ?? d.lastError ?? ''}</td><td>${d.nextAttemptAt ?? ''}</td>
<td>${d.status === 'in_flight' || d.status === 'cancelled' ? '' : retrigger(ctx, d)}</td></tr>`,
)}</tbody></table>${deliveries.length === 0 ? html`<p class="empty">None.</p>` : ''}`
}

function retrigger(ctx: PageContext, d: Delivery): SafeHtml {
  return html`<form method="post" action="${ctx.base}/deliveries/${d.id}/redeliver"><input type="hidden" name="csrf" value="${ctx.csrf}"><button>Retrigger</button></form>`
}

export function eventPage(
  ctx: PageContext,
  event: RioEvent,
  deliveries: readonly Delivery[],
  handlers: Map<string, Handler>,
): SafeHtml {
  return layout(
    ctx,
    `Event ${event.name}`,
    html`<dl><dt>Id</dt><dd><code>${event.id}</code></dd><dt>Project</dt><dd>${event.project}</dd><dt>Created</dt><dd>${event.createdAt}</dd>
${event.idempotencyKey ? html`<dt>Idempotency key</dt><dd><code>${event.idempotencyKey}</code></dd>` : ''}</dl>
<h2>Payload</h2><pre class="payload">${JSON.stringify(event.payload, null, 2)}</pre>
<h2>Deliveries</h2>${deliveryRows(ctx, deliveries, handlers)}`,
  )
}

export function deliveryPage(
  ctx: PageContext,
  d: Delivery,
  attempts: readonly Attempt[],
  handler: Handler | undefined,
): SafeHtml {
  return layout(
    ctx,
    `Delivery #${d.id}`,
    html`<dl><dt>Status</dt><dd>${badge(d.status)}</dd><dt>Event</dt><dd><a href="${ctx.base}/events/${d.eventId}"><code>${d.eventId}</code></a></dd>
<dt>Handler</dt><dd>${handler ? html`${handler.name} <span class="muted">${handler.kind === 'webhook' ? handler.url : 'function'}</span>` : d.handlerId}</dd>
<dt>Next attempt</dt><dd>${d.nextAttemptAt ?? '—'}</dd></dl>
${d.status === 'in_flight' || d.status === 'cancelled' ? '' : retrigger(ctx, d)}
<h2>Attempts</h2><table><thead><tr><th>#</th><th>Started</th><th>Duration</th><th>Status</th><th>Error</th><th>Response (first 4 KiB)</th></tr></thead><tbody>
${attempts.map(
  (
    a,
  ) => html`<tr><td>${a.number}</td><td>${a.startedAt}</td><td>${a.durationMs} ms</td><td>${a.status ?? '—'}</td><td>${a.error ?? ''}</td>
<td class="payload"><code>${a.responseBody ?? ''}</code></td></tr>`,
)}</tbody></table>${attempts.length === 0 ? html`<p class="empty">No attempt yet.</p>` : ''}`,
  )
}

export function failedPage(
  ctx: PageContext,
  dead: readonly Delivery[],
  retrying: readonly Delivery[],
  handlers: Map<string, Handler>,
): SafeHtml {
  return layout(
    ctx,
    'Failed deliveries',
    html`<h2>Dead (no more attempts)</h2>${deliveryRows(ctx, dead, handlers)}<h2>Retrying</h2>${deliveryRows(ctx, retrying, handlers)}`,
  )
}

export function handlersPage(ctx: PageContext, handlers: readonly Handler[]): SafeHtml {
  return layout(
    ctx,
    'Handlers',
    html`<table><thead><tr><th>Name</th><th>Project</th><th>Pattern</th><th>Target</th><th>State</th><th>Failing since</th><th></th></tr></thead><tbody>
${handlers.map(
  (
    h,
  ) => html`<tr data-handler="${h.id}"><td>${h.name}</td><td>${h.project}</td><td><code>${h.pattern}</code></td>
<td>${h.kind === 'webhook' ? h.url : html`<span class="muted">function</span>`}</td>
<td>${h.enabled ? badge('enabled') : html`${badge('disabled')} <span class="muted">${h.disabledReason ?? ''}</span>`}</td><td>${h.failingSince ?? ''}</td>
<td class="actions"><form method="post" action="${ctx.base}/handlers/${h.id}/${h.enabled ? 'disable' : 'enable'}"><input type="hidden" name="csrf" value="${ctx.csrf}"><button>${h.enabled ? 'Disable' : 'Enable'}</button></form>
<form method="post" action="${ctx.base}/handlers/${h.id}/recover"><input type="hidden" name="csrf" value="${ctx.csrf}"><select name="since" aria-label="since"><option value="1h">last hour</option><option value="24h">last day</option><option value="7d" selected>last week</option></select><button>Recover dead</button></form></td></tr>`,
)}</tbody></table>${handlers.length === 0 ? html`<p class="empty">No handlers.</p>` : ''}`,
  )
}

export const STYLE = `:root{font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1d2433;background:#f6f7f9}
body{margin:0}header{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1.5rem;background:#14213d;color:#fff}
header a{color:#fff;text-decoration:none}header nav{display:flex;gap:1rem;flex:1}.brand{font-weight:700;font-size:1.2rem}
main{padding:1.5rem;max-width:1200px;margin:0 auto}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{width:100%;border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;color:#6b7280}code{font-size:.85rem}.payload{max-width:28rem;overflow-wrap:anywhere}
pre.payload{background:#fff;padding:1rem;border:1px solid #e5e7eb;max-width:none;overflow:auto}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:.8rem;background:#e5e7eb}
.badge.succeeded,.badge.enabled{background:#d1fae5;color:#065f46}.badge.dead,.badge.disabled{background:#fee2e2;color:#991b1b}
.badge.pending{background:#fef3c7;color:#92400e}.badge.in{background:#dbeafe;color:#1e40af}.badge.cancelled{background:#e5e7eb;color:#374151}
.flash{background:#dbeafe;padding:.6rem 1rem;border-radius:4px}.error{background:#fee2e2;padding:.6rem 1rem;border-radius:4px}
.muted{color:#6b7280;font-size:.85rem}.empty{color:#6b7280}form{display:inline}.filters{display:flex;gap:1rem;margin-bottom:1rem;align-items:end}
button{cursor:pointer;border:1px solid #14213d;background:#fff;border-radius:4px;padding:.25rem .7rem}button.link{border:0;background:none;color:#fff}
.actions form{margin-right:.5rem}dl{display:grid;grid-template-columns:10rem 1fr;gap:.3rem 1rem}dt{color:#6b7280}dd{margin:0}
.login main{max-width:22rem;margin:10vh auto;background:#fff;padding:2rem;box-shadow:0 1px 3px #0002}.login label{display:block;margin:1rem 0}
.login input{width:100%;padding:.4rem;box-sizing:border-box}`
