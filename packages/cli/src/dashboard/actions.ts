import type { Rio } from '@rio/core'
import { RioValidationError } from '@rio/core'
import { redactHandlerName } from '../redact-url.js'
import { decodeSegment } from './pages.js'
import { RECOVER_SPANS } from './views/handlers.js'

/** A state change behind the login and the CSRF check: a path pattern and what it does. */
export interface Action {
  readonly pattern: RegExp
  /** Where to go when the form names no page to return to (below the base). */
  readonly fallback: (params: readonly string[]) => string
  /** Does it; returns the message for the next page. */
  run(rio: Rio, params: readonly string[], form: URLSearchParams, now: number): Promise<string>
}

const redeliver: Action = {
  pattern: /^\/deliveries\/([^/]+)\/redeliver$/,
  fallback: ([id]) => `/deliveries/${encodeURIComponent(id!)}`,
  async run(rio, [id]) {
    const delivery = await rio.redeliver(id!)
    return `Retriggered delivery #${delivery.id}: it is queued again, due now.`
  },
}

const toggle = (enable: boolean): Action => ({
  pattern: enable ? /^\/handlers\/([^/]+)\/enable$/ : /^\/handlers\/([^/]+)\/disable$/,
  fallback: () => '/handlers',
  async run(rio, [id]) {
    const handler = enable ? await rio.enableHandler(id!) : await rio.disableHandler(id!, 'manual')
    return enable
      ? `${redactHandlerName(handler)} is enabled; its waiting deliveries go out again.`
      : `${redactHandlerName(handler)} is disabled; its deliveries wait until it is enabled.`
  },
})

const recover: Action = {
  pattern: /^\/handlers\/([^/]+)\/recover$/,
  fallback: () => '/handlers',
  async run(rio, [id], form, now) {
    const span = RECOVER_SPANS[form.get('since') ?? '']
    if (!span) {
      throw new RioValidationError(
        'invalid_argument',
        `Recover needs "since": one of ${Object.keys(RECOVER_SPANS).join(', ')}`,
      )
    }
    const handler = await rio.getHandler(id!)
    const { requeued } = await rio.recover({ handler: handler.id, since: new Date(now - span.ms) })
    return `Re-queued ${requeued} dead ${requeued === 1 ? 'delivery' : 'deliveries'} of ${redactHandlerName(handler)} from the ${span.label}.`
  },
}

/** Every action, by path below the dashboard's base (logout is the dashboard's own). */
export const ACTIONS: readonly Action[] = [redeliver, toggle(true), toggle(false), recover]

/** The action for `path` and its decoded parameters, or null. */
export function findAction(path: string): { action: Action; params: string[] } | null {
  for (const action of ACTIONS) {
    const match = action.pattern.exec(path)
    if (match) return { action, params: match.slice(1).map(decodeSegment) }
  }
  return null
}
