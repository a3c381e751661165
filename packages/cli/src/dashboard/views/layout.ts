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

/**
 * The flash message of the last action, if any. With `focus` it takes the focus when the page loads
 * (`autofocus`, no script): the action reloaded the page, so a screen reader reads the outcome
 * instead of starting over at the top, and the next Tab goes on into the page.
 */
function flash(ctx: { flash: PageContext['flash'] }, focus = false): SafeHtml {
  if (!ctx.flash) return html``
  return html`<p class="flash ${ctx.flash.kind}" role="${ctx.flash.kind === 'error' ? 'alert' : 'status'}"${focus ? html` tabindex="-1" autofocus` : ''}>${ctx.flash.message}</p>`
}

/** The title and heading of an error page, by HTTP status. */
function errorTitle(status: number): string {
  if (status === 403) return 'Refused'
  if (status === 404) return 'Not found'
  return 'Something went wrong'
}

/**
 * The live region's state and its Pause button, both revealed by the script (`assets/live.ts`).
 * Only the state (`live`, `paused`, `offline, retrying`) is a polite status, so a screen reader hears
 * it change, never the time of each refresh; the list itself is no live region and is not re-read.
 */
const LIVE_CONTROLS = html`<span class="live-note" id="live-note" hidden><span id="live-state" role="status">live</span><span id="live-time"></span></span><button type="button" class="plain" id="live-toggle" hidden>Pause updates</button>`

/**
 * A page behind the login: a skip link, the header with navigation and logout, the flash message,
 * the title, then `body`. `live`, when given, is the part that refreshes itself every few seconds
 * (`#live`); the rest (forms being filled in) stays put. `invalid` says in the window title that
 * the page shows a form's errors (`Error: Events`).
 */
export function layout(
  ctx: PageContext,
  title: string,
  parts: { lead?: SafeHtml; live?: SafeHtml; body?: SafeHtml; invalid?: boolean },
): SafeHtml {
  const path = ctx.here.split('?')[0]!
  const live = parts.live !== undefined && ctx.refreshMs > 0
  return html`<!doctype html>
<html lang="en">${head(ctx.base, parts.invalid ? `Error: ${title}` : title, live)}
<body><a class="skip-link" href="#main">Skip to content</a><header class="top"><div class="bar">
<a class="brand" href="${href(ctx, '/')}"><span class="logo" aria-hidden="true"></span>Rio</a>
<nav aria-label="Main">${NAV.map((item) => html`<a href="${href(ctx, item.path)}" ${item.match(path) ? html`aria-current="page"` : ''}>${item.label}</a>`)}</nav>
${postButton(ctx, '/logout', 'Log out', { variant: 'plain' })}
</div></header>
<main id="main" tabindex="-1">${flash(ctx, true)}<div class="page-head"><h1>${title}</h1>${live ? LIVE_CONTROLS : ''}</div>
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
  // The error is the token field's description and marks it invalid; the field keeps the focus.
  const described = options.error ? 'token-hint token-error' : 'token-hint'
  return html`<!doctype html>
<html lang="en">${head(base, options.error ? 'Error: Log in' : 'Log in', false)}
<body class="login"><main><div class="card">
<h1><span class="logo" aria-hidden="true"></span>Rio</h1>
<p class="muted" id="token-hint">Log in with the admin token (RIO_ADMIN_TOKEN).</p>
${options.error ? html`<p class="flash error" role="alert" id="token-error">${options.error}</p>` : flash({ flash: options.flash ?? null })}
<form method="post" action="${base}/login">
${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
<label for="token">Admin token</label>
<input id="token" type="password" name="token" autocomplete="current-password" aria-describedby="${described}"${options.error ? html` aria-invalid="true"` : ''} autofocus required>
<button class="primary">Log in</button></form></div></main></body></html>`
}

/** An error page: behind the login with the layout, before it on its own. */
export function errorPage(ctx: PageContext | null, base: string, status: number, message: string): SafeHtml {
  const body = html`<p class="flash error" role="alert">${message}</p><p><a href="${base}/">Back to events</a></p>`
  if (ctx) return layout(ctx, errorTitle(status), { body })
  return html`<!doctype html><html lang="en">${head(base, errorTitle(status), false)}<body class="login"><main><div class="card"><h1>Rio</h1>${body}</div></main></body></html>`
}
