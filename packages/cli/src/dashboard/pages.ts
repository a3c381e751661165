import type { Delivery, Handler, Rio, RioEvent } from '@rio/core'
import { RioError, RioValidationError } from '@rio/core'
import type { SafeHtml } from './html.js'
import type { DeliveryRow } from './views/components.js'
import { deliveryPage } from './views/delivery.js'
import { eventPage } from './views/event.js'
import { type EventsFilter, eventsPage } from './views/events.js'
import { failedPage } from './views/failed.js'
import { handlersPage } from './views/handlers.js'
import type { PageContext } from './views/page-context.js'

/** A page rendered with a status other than 200: a form shown again with its errors (400). */
export interface Rendered {
  readonly status: number
  readonly body: SafeHtml
}

/** A page behind the login: a path pattern and how to load and render it. */
export interface Page {
  readonly pattern: RegExp
  render(
    rio: Rio,
    params: readonly string[],
    query: URLSearchParams,
    ctx: PageContext,
  ): Promise<SafeHtml | Rendered>
}

/** Rows per page of the events list and of dead deliveries. */
const PAGE_SIZE = 50
/** Retrying deliveries shown at most. */
const RETRYING_SHOWN = 200
/** A `datetime-local` value: date, hours and minutes, then seconds and milliseconds if given. */
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/

/**
 * A `datetime-local` value read as UTC (the form says so, as every time the dashboard shows is UTC,
 * so the browser's zone never matters); `end` makes it the exclusive end of the last unit written
 * (minute, second or millisecond), so `to` includes the minute it names.
 * @throws {@link RioValidationError} `invalid_argument` (400) for anything else, a day or time that
 *   does not exist (`2026-02-30`, `24:00`: `Date` would roll it into the next month or day) among them
 */
function parseTime(field: string, value: string | undefined, end: boolean): Date | undefined {
  if (!value) return undefined
  const match = LOCAL_DATE_TIME.exec(value)
  const [year, month, day, hour, minute, second] = (match?.slice(1, 7) ?? []).map((f) => Number(f ?? 0))
  const date = new Date(0)
  if (match) {
    date.setUTCFullYear(year!, month! - 1, day!)
    date.setUTCHours(hour!, minute!, second!, Number((match[7] ?? '').padEnd(3, '0')))
  }
  const real =
    match !== null &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  if (!real) {
    throw new RioValidationError(
      'invalid_argument',
      `"${field}" must be a date and time like 2026-01-31T09:30 (UTC), got ${JSON.stringify(value)}`,
    )
  }
  if (!end) return date
  const unit = match[7] ? 1 : match[6] ? 1000 : 60_000
  return new Date(date.getTime() + unit)
}

/**
 * The handlers of `deliveries` by id: pages show names, not ids, and removed handlers simply have
 * none. Only those are read, not every handler there is (0.4 s a page with 10 000 of them).
 */
function handlerMap(rio: Rio, deliveries: readonly Delivery[]): Promise<Map<string, Handler>> {
  return rio.getHandlers(new Set(deliveries.map((d) => d.handlerId)))
}

/** The events of `deliveries`, by id (each fetched once). */
async function eventMap(rio: Rio, deliveries: readonly Delivery[]): Promise<Map<string, RioEvent>> {
  const ids = [...new Set(deliveries.map((d) => d.eventId))]
  const events = await Promise.all(ids.map((id) => rio.getEvent(id).catch(() => undefined)))
  return new Map(events.filter((e) => e !== undefined).map((e) => [e.id, e]))
}

function rows(
  deliveries: readonly Delivery[],
  handlers: Map<string, Handler>,
  events?: Map<string, RioEvent>,
): DeliveryRow[] {
  return deliveries.map((delivery) => ({
    delivery,
    handler: handlers.get(delivery.handlerId),
    event: events?.get(delivery.eventId),
  }))
}

const events: Page = {
  pattern: /^\/$/,
  async render(rio, _params, query, ctx) {
    const filter: EventsFilter = {
      name: query.get('name')?.trim() || undefined,
      project: query.get('project') || undefined,
      from: query.get('from') || undefined,
      to: query.get('to') || undefined,
    }
    const before = query.get('before') || undefined
    // A refused time is told on its field, the form kept as typed (400), not on an error page.
    const errors: { from?: string; to?: string } = {}
    const read = (field: 'from' | 'to', end: boolean) => {
      try {
        return parseTime(field, filter[field], end)
      } catch (error) {
        if (!(error instanceof RioValidationError)) throw error
        errors[field] = error.message
        return undefined
      }
    }
    const since = read('from', false)
    const until = read('to', true)
    if (errors.from || errors.to) {
      const projects = (await rio.listProjects()).map((p) => p.name)
      const view = { rows: [], filter, projects, older: null, paged: false, errors }
      return { status: 400, body: eventsPage(ctx, view) }
    }
    const found = await rio.listEvents({
      ...(filter.name ? { name: filter.name } : {}),
      ...(filter.project ? { project: filter.project } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(before ? { before } : {}),
      limit: PAGE_SIZE + 1,
    })
    const page = found.slice(0, PAGE_SIZE)
    const deliveries = await Promise.all(page.map((e) => rio.listDeliveries({ eventId: e.id, limit: 1000 })))
    return eventsPage(ctx, {
      rows: page.map((event, i) => ({ event, deliveries: deliveries[i]! })),
      filter,
      projects: (await rio.listProjects()).map((p) => p.name),
      older: found.length > PAGE_SIZE ? page.at(-1)!.id : null,
      paged: before !== undefined,
    })
  },
}

const event: Page = {
  pattern: /^\/events\/([^/]+)$/,
  async render(rio, [id], _query, ctx) {
    const found = await rio.getEvent(id!)
    const deliveries = await rio.listDeliveries({ eventId: found.id, limit: 1000 })
    return eventPage(ctx, found, rows(deliveries, await handlerMap(rio, deliveries)))
  },
}

const delivery: Page = {
  pattern: /^\/deliveries\/([^/]+)$/,
  async render(rio, [id], _query, ctx) {
    const found = await rio.getDelivery(id!)
    const [attempts, handlers, events] = await Promise.all([
      rio.listAttempts(found.id),
      handlerMap(rio, [found]),
      eventMap(rio, [found]),
    ])
    return deliveryPage(ctx, found, attempts, handlers.get(found.handlerId), events.get(found.eventId))
  },
}

/**
 * Pending deliveries that have failed before (`isRetrying` in `retrying.ts`), newest first, filtered by the
 * store's query (`attempted`): one more than {@link RETRYING_SHOWN} when there are more, so the page
 * can say `200+`. Reading pending deliveries a page of 1 000 at a time and filtering them here cost
 * 25 ms a refresh with a backlog of 50 000, and a walk of every delivery when few were pending.
 */
function retrying(rio: Rio): Promise<Delivery[]> {
  return rio.listDeliveries({ status: 'pending', attempted: true, limit: RETRYING_SHOWN + 1 })
}

const failed: Page = {
  pattern: /^\/failed$/,
  async render(rio, _params, query, ctx) {
    const before = query.get('dead_before') || undefined
    const [dead, waiting] = await Promise.all([
      rio.listDeliveries({ status: 'dead', limit: PAGE_SIZE + 1, ...(before ? { before } : {}) }),
      before ? Promise.resolve([]) : retrying(rio),
    ])
    const shown = dead.slice(0, PAGE_SIZE)
    const retryingShown = waiting.slice(0, RETRYING_SHOWN)
    const [handlers, events] = await Promise.all([
      handlerMap(rio, [...shown, ...retryingShown]),
      eventMap(rio, [...shown, ...retryingShown]),
    ])
    return failedPage(ctx, {
      dead: rows(shown, handlers, events),
      olderDead: dead.length > PAGE_SIZE ? shown.at(-1)!.id : null,
      paged: before !== undefined,
      retrying: rows(retryingShown, handlers, events),
      moreRetrying: waiting.length > RETRYING_SHOWN,
    })
  },
}

/** Handlers by project, then name, {@link PAGE_SIZE} a page; `after` is the last one of the previous page. */
const handlers: Page = {
  pattern: /^\/handlers$/,
  async render(rio, _params, query, ctx) {
    const after = query.get('after') || undefined
    const [found, projects] = await Promise.all([
      rio.listHandlers({ after, limit: PAGE_SIZE + 1 }),
      rio.listProjects(),
    ])
    const page = found.slice(0, PAGE_SIZE)
    return handlersPage(ctx, {
      handlers: page,
      manyProjects: projects.length > 1,
      next: found.length > PAGE_SIZE ? page.at(-1)!.id : null,
      paged: after !== undefined,
    })
  },
}

/** Every page, by path below the dashboard's base. */
export const PAGES: readonly Page[] = [events, event, delivery, failed, handlers]

/** The page for `path` and its decoded parameters, or null. */
export function findPage(path: string): { page: Page; params: string[] } | null {
  for (const page of PAGES) {
    const match = page.pattern.exec(path)
    if (match) return { page, params: match.slice(1).map(decodeSegment) }
  }
  return null
}

/** Decodes one path segment. @throws {@link RioError} `not_found` for malformed percent-encoding */
export function decodeSegment(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    throw new RioError('not_found', `no such page: ${JSON.stringify(value)} is not a valid id`)
  }
}
