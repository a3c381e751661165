/**
 * The dashboard's one script, served as `assets/live.js` (CSP `script-src 'self'`, no inline code).
 * Every `data-refresh-ms` it fetches the page again and, when the `#live` part changed, patches the
 * page's `#live` to match: nodes that did not change stay (with their focus, a text selection, an
 * unfolded `<details>`, the scroll anchor), rows (`data-event`, `data-delivery`, `data-handler`) are
 * matched by id, so a new row is inserted and a gone one removed without touching the others. When
 * the element that had the focus is gone, the focus moves to the same control of its row, or the
 * control now in its place, never to the page's top.
 *
 * It waits while the tab is hidden, while the admin has paused it (`#live-toggle`, remembered for
 * the tab's other pages: WCAG 2.2.2 asks for a way to stop auto-updating content), or while a form control inside
 * `#live` has focus or a changed value, or text inside it is selected. `#live-state` is a polite
 * status that changes only with the state (`live`, `paused`, `offline, retrying`), so a screen reader
 * is told of those, never of each refresh; `#live-time` shows when the list was last fetched. When
 * the session has ended (the fetch was redirected to the login) it reloads the page, unless a form
 * on it is being filled in: then it says so and stops, leaving the typing alone. The new markup is the
 * server's own escaped HTML, parsed inert by DOMParser and imported node by node.
 */
export const LIVE_JS = `'use strict'
;(() => {
  const region = document.getElementById('live')
  const every = Number(region && region.dataset.refreshMs)
  if (!region || !(every > 0)) return
  const note = document.getElementById('live-note')
  const state = document.getElementById('live-state')
  const clock = document.getElementById('live-time')
  const toggle = document.getElementById('live-toggle')
  const PAUSED = 'rio.live.paused'
  const FIELDS = /^(INPUT|SELECT|TEXTAREA)$/
  const FOCUSABLE = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]'
  let paused = false
  let stopped = false
  let timer
  let last = region.innerHTML
  try {
    paused = sessionStorage.getItem(PAUSED) === '1'
  } catch (_) {}

  const say = (text, kind) => {
    if (!note) return
    note.hidden = false
    if (state && state.textContent !== text) state.textContent = text
    note.classList.toggle('offline', kind === 'offline')
    note.classList.toggle('paused', kind === 'paused')
  }
  const stamp = () => {
    if (clock) clock.textContent = ' · ' + new Date().toISOString().slice(11, 19) + ' UTC'
  }
  const show = () => {
    if (!toggle) return
    toggle.hidden = stopped
    toggle.textContent = paused ? 'Resume updates' : 'Pause updates'
  }

  // A field whose value is not the one the page came with.
  const edited = (scope) => {
    for (const field of scope.querySelectorAll('input, select, textarea')) {
      if (field.type === 'hidden') continue
      if (field.tagName === 'SELECT') {
        for (const option of field.options) if (option.selected !== option.defaultSelected) return true
      } else if (field.type === 'checkbox' || field.type === 'radio') {
        if (field.checked !== field.defaultChecked) return true
      } else if (field.value !== field.defaultValue) return true
    }
    return false
  }
  const busy = () => {
    const active = document.activeElement
    if (active && region.contains(active) && FIELDS.test(active.tagName)) return true
    const selection = document.getSelection()
    if (selection && !selection.isCollapsed && (region.contains(selection.anchorNode) || region.contains(selection.focusNode)))
      return true
    return edited(region)
  }

  const keyOf = (node) =>
    node.nodeType === 1
      ? node.getAttribute('data-event') || node.getAttribute('data-delivery') || node.getAttribute('data-handler')
      : null
  const same = (a, b) => a.nodeType === b.nodeType && a.nodeName === b.nodeName && keyOf(a) === keyOf(b)
  const patchAttributes = (a, b) => {
    for (const { name } of Array.from(a.attributes))
      // An unfolded <details> stays unfolded: the admin opened it.
      if (!b.hasAttribute(name) && !(name === 'open' && a.nodeName === 'DETAILS')) a.removeAttribute(name)
    for (const { name, value } of Array.from(b.attributes)) if (a.getAttribute(name) !== value) a.setAttribute(name, value)
  }
  // Makes the children of current like those of next. Nodes are kept, patched, inserted or removed,
  // never moved: moving a node would take the focus and the selection out of it.
  const patchChildren = (current, next) => {
    let at = current.firstChild
    for (const wanted of Array.from(next.childNodes)) {
      let match = null
      if (keyOf(wanted)) {
        for (let node = at; node; node = node.nextSibling)
          if (same(node, wanted)) {
            match = node
            break
          }
      } else if (at && same(at, wanted)) match = at
      if (!match) {
        current.insertBefore(document.importNode(wanted, true), at)
        continue
      }
      while (at !== match) {
        const gone = at
        at = at.nextSibling
        gone.remove()
      }
      patch(match, wanted)
      at = match.nextSibling
    }
    while (at) {
      const gone = at
      at = at.nextSibling
      gone.remove()
    }
  }
  const patch = (current, next) => {
    if (current.nodeType !== 1) {
      if (current.nodeValue !== next.nodeValue) current.nodeValue = next.nodeValue
      return
    }
    patchAttributes(current, next)
    patchChildren(current, next)
  }

  // Where the focus is, told in terms that survive a patch: its row and its place among the controls.
  const focusables = (scope) => Array.from(scope.querySelectorAll(FOCUSABLE))
  const rowOf = (node) => node.closest('[data-event], [data-delivery], [data-handler]')
  const locate = (active) => {
    const row = rowOf(active)
    return { key: row && keyOf(row), inRow: row ? focusables(row).indexOf(active) : -1, index: focusables(region).indexOf(active) }
  }
  const refocus = (place) => {
    let target = null
    if (place.key) {
      const row = Array.from(region.querySelectorAll('[data-event], [data-delivery], [data-handler]')).find((r) => keyOf(r) === place.key)
      if (row) target = focusables(row)[place.inRow] || null
    }
    if (!target) {
      const all = focusables(region)
      target = all[Math.min(Math.max(place.index, 0), all.length - 1)] || null
    }
    if (!target) {
      region.tabIndex = -1
      target = region
    }
    target.focus({ preventScroll: true })
  }
  const update = (next) => {
    const active = document.activeElement
    const place = active && active !== region && region.contains(active) ? locate(active) : null
    patchChildren(region, next)
    if (place && !active.isConnected) refocus(place)
  }

  const ended = () => {
    const active = document.activeElement
    if (edited(document) || (active && FIELDS.test(active.tagName) && active.type !== 'hidden')) {
      stopped = true
      if (clock) clock.textContent = ''
      say('logged out: reload the page to log in', 'offline')
      show()
      return
    }
    location.reload()
  }
  const refresh = async () => {
    if (paused || document.hidden || busy()) return
    const response = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store', headers: { 'x-rio-live': '1' } })
    if (response.redirected) return ended()
    if (!response.ok) throw new Error('HTTP ' + response.status)
    const text = await response.text()
    if (paused || busy()) return
    const next = new DOMParser().parseFromString(text, 'text/html').getElementById('live')
    if (next && next.innerHTML !== last) {
      last = next.innerHTML
      update(next)
    }
    say('live', 'live')
    stamp()
  }
  let running = false
  const loop = () => {
    clearTimeout(timer)
    if (running) return
    running = true
    refresh()
      .catch(() => say('offline, retrying', 'offline'))
      .finally(() => {
        running = false
        if (!stopped) timer = setTimeout(loop, every)
      })
  }

  if (toggle)
    toggle.addEventListener('click', () => {
      paused = !paused
      try {
        if (paused) sessionStorage.setItem(PAUSED, '1')
        else sessionStorage.removeItem(PAUSED)
      } catch (_) {}
      show()
      say(paused ? 'paused' : 'live', paused ? 'paused' : 'live')
      if (!paused) loop()
    })
  show()
  say(paused ? 'paused' : 'live', paused ? 'paused' : 'live')
  timer = setTimeout(loop, every)
})()
`
