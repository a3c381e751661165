/**
 * The dashboard's one script, served as `assets/live.js` (CSP `script-src 'self'`, no inline code).
 * Every `data-refresh-ms` it fetches the page again and swaps in the new `#live` part when it
 * changed, so lists update without a reload. It waits while the tab is hidden or while a form
 * control inside `#live` has focus or a changed value, reloads the page when the session has ended
 * (the fetch was redirected to the login), and marks itself in `#live-note`. The new markup is
 * the server's own escaped HTML, parsed inert by DOMParser and imported node by node.
 */
export const LIVE_JS = `'use strict'
;(() => {
  const region = document.getElementById('live')
  const every = Number(region && region.dataset.refreshMs)
  if (!region || !(every > 0)) return
  const note = document.getElementById('live-note')
  const say = (text, ok) => {
    if (!note) return
    note.hidden = false
    note.textContent = text
    note.classList.toggle('offline', !ok)
  }
  const busy = () => {
    const active = document.activeElement
    if (active && region.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return true
    for (const select of region.querySelectorAll('select'))
      for (const option of select.options) if (option.selected !== option.defaultSelected) return true
    return false
  }
  const refresh = async () => {
    if (document.hidden || busy()) return
    const response = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store', headers: { 'x-rio-live': '1' } })
    if (response.redirected) return location.reload()
    if (!response.ok) throw new Error('HTTP ' + response.status)
    const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('live')
    if (next && next.innerHTML !== region.innerHTML)
      region.replaceChildren(...Array.from(next.childNodes, (node) => document.importNode(node, true)))
    say('live · ' + new Date().toISOString().slice(11, 19) + ' UTC', true)
  }
  const loop = () => refresh().catch(() => say('offline, retrying', false)).finally(() => setTimeout(loop, every))
  say('live', true)
  setTimeout(loop, every)
})()
`
