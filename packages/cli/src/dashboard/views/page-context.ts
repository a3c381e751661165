import type { Flash } from '../flash.js'

/** What every page needs besides its data. */
export interface PageContext {
  /** Where the dashboard is mounted, e.g. `/dashboard` ('' at the root). */
  readonly base: string
  /** The page's path below `base` with its query, e.g. `/failed?dead_before=12`; forms return to it. */
  readonly here: string
  /** The session's CSRF token, embedded in every form. */
  readonly csrf: string
  readonly flash: Flash | null
  /** How often the page's live part refreshes, in ms; 0: never. */
  readonly refreshMs: number
}

/**
 * A link into the dashboard: `base` + the path (each dynamic segment percent-encoded by the caller
 * through {@link segment}) + the query without empty values.
 */
export function href(ctx: PageContext, path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value)
  const search = params.toString()
  return `${ctx.base}${path}${search ? `?${search}` : ''}`
}

/** A path segment made from data (an id), percent-encoded so it cannot add segments or a query. */
export function segment(value: string): string {
  return encodeURIComponent(value)
}
