import { VERSION } from '@rio/core'
import { html, type SafeHtml } from '../html.js'
import { postButton } from './components.js'
import { href, type PageContext } from './page-context.js'

const NAV = [
  { path: '/', label: 'Events', match: (p: string) => p === '/' || p.startsWith('/events') },
  { path: '/failed', label: 'Failed', match: (p: string) => p.startsWith('/failed') },
  { path: '/handlers', label: 'Handlers', match: (p: string) => p.startsWith('/handlers') },
]

/** The `<head>` every page shares: the stylesheet, the icon, and the refresh script on live pages. */
function head(base: string, title: string, live: boolean): SafeHtml {
  return html`<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>${title} · Rio</title>
<link rel="icon" type="image/svg+xml" href="${base}/assets/favicon.svg">
<link rel="stylesheet" href="${base}/assets/style.css">
${live ? html`<script src="${base}/assets/live.js" defer></script>` : ''}</head>`
}

/** The flash message of the last action, if any. */
function flash(ctx: { flash: PageContext['flash'] }): SafeHtml {
  if (!ctx.flash) return html``
  return html`<p class="flash ${ctx.flash.kind}" role="${ctx.flash.kind === 'error' ? 'alert' : 'status'}">${ctx.flash.message}</p>`
}

/**
 * A page behind the login: header with navigation and logout, the flash message, the title, then
 * `body`. `live`, when given, is the part that refreshes itself every few seconds (`#live`); the
 * rest (forms being filled in) stays put.
 */
export function layout(
  ctx: PageContext,
  title: string,
  parts: { lead?: SafeHtml; live?: SafeHtml; body?: SafeHtml },
): SafeHtml {
  const path = ctx.here.split('?')[0]!
  const live = parts.live !== undefined && ctx.refreshMs > 0
  return html`<!doctype html>
<html lang="en">${head(ctx.base, title, live)}
<body><header class="top"><div class="bar">
<a class="brand" href="${href(ctx, '/')}"><span class="logo" aria-hidden="true"></span>Rio</a>
<nav>${NAV.map((item) => html`<a href="${href(ctx, item.path)}" ${item.match(path) ? html`aria-current="page"` : ''}>${item.label}</a>`)}</nav>
${postButton(ctx, '/logout', 'Log out', { variant: 'plain' })}
</div></header>
<main>${flash(ctx)}<div class="page-head"><h1>${title}</h1>${live ? html`<span class="live-note" id="live-note" hidden>live</span>` : ''}</div>
${parts.lead ?? ''}
${parts.live !== undefined ? html`<div id="live" ${live ? html`data-refresh-ms="${ctx.refreshMs}"` : ''}>${parts.live}</div>` : ''}
${parts.body ?? ''}</main>
<footer>Rio ${VERSION} · times in UTC</footer></body></html>`
}

/**
 * The login form, with the reason the last try failed, or the flash message a redirect here carried
 * (`You are logged out.`).
 */
export function loginPage(
  base: string,
  options: { error?: string; next?: string; flash?: PageContext['flash'] } = {},
): SafeHtml {
  return html`<!doctype html>
<html lang="en">${head(base, 'Log in', false)}
<body class="login"><main><div class="card">
<h1><span class="logo" aria-hidden="true"></span>Rio</h1>
<p class="muted">Log in with the admin token (RIO_ADMIN_TOKEN).</p>
${options.error ? html`<p class="flash error" role="alert">${options.error}</p>` : flash({ flash: options.flash ?? null })}
<form method="post" action="${base}/login">
${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
<label for="token">Admin token</label>
<input id="token" type="password" name="token" autocomplete="current-password" autofocus required>
<button class="primary">Log in</button></form></div></main></body></html>`
}

/** An error page: behind the login with the layout, before it on its own. */
export function errorPage(ctx: PageContext | null, base: string, status: number, message: string): SafeHtml {
  const body = html`<p class="flash error" role="alert">${message}</p><p><a href="${base}/">Back to events</a></p>`
  if (ctx) return layout(ctx, status === 404 ? 'Not found' : 'Something went wrong', { body })
  return html`<!doctype html><html lang="en">${head(base, 'Error', false)}<body class="login"><main><div class="card"><h1>Rio</h1>${body}</div></main></body></html>`
}
