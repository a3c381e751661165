import { type ApiContext, json, page, type Route } from '../route.js'
import { deliveryParam, listDeliveriesQuery, parseQuery } from '../schemas.js'

const DEFAULT_LIMIT = 50

/** `GET /api/v1/deliveries?project&status&handler&event&since&before&limit`: newest first, paginated. */
async function list(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const { handler, event, limit = DEFAULT_LIMIT, ...query } = parseQuery(listDeliveriesQuery, ctx.query)
  const deliveries = await ctx.rio.listDeliveries({
    ...query,
    ...(handler !== undefined ? { handlerId: handler.toLowerCase() } : {}),
    ...(event !== undefined ? { eventId: event.toLowerCase() } : {}),
    limit,
  })
  return json(200, page(deliveries, limit))
}

/** `GET /api/v1/deliveries/:id`: the delivery with every attempt, oldest first. */
async function get(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const id = deliveryParam(ctx.params.id)
  const delivery = await ctx.rio.getDelivery(id)
  return json(200, { ...delivery, attempts: await ctx.rio.listAttempts(id) })
}

/** `POST /api/v1/deliveries/:id/redeliver`: due again now, with a fresh retry schedule. */
async function redeliver(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  return json(200, await ctx.rio.redeliver(deliveryParam(ctx.params.id)))
}

/** Inspecting and re-triggering deliveries (admin). */
export const deliveryRoutes: readonly Route[] = [
  { method: 'GET', path: '/api/v1/deliveries', handle: list },
  { method: 'GET', path: '/api/v1/deliveries/:id', handle: get },
  { method: 'POST', path: '/api/v1/deliveries/:id/redeliver', handle: redeliver },
]
