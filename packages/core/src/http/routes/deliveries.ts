import { deliveryDetailSchema, deliveryPageSchema, deliverySchema } from '../response-schemas.js'
import { type ApiContext, json, page, type Route } from '../route.js'
import { deliveryParam, listDeliveriesQuery, parseQuery, pathParams } from '../schemas.js'

const DEFAULT_LIMIT = 50

/** `GET /api/v1/deliveries?project&status&handler&event&since&before&limit`: newest first, paginated. */
async function list(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const { handler, event, limit = DEFAULT_LIMIT, ...query } = parseQuery(listDeliveriesQuery, ctx.query)
  const filter = {
    ...query,
    ...(handler !== undefined ? { handlerId: handler.toLowerCase() } : {}),
    ...(event !== undefined ? { eventId: event.toLowerCase() } : {}),
  }
  const deliveries = await ctx.rio.listDeliveries({ ...filter, limit: limit + 1 })
  const more = async (before: string) =>
    (await ctx.rio.listDeliveries({ ...filter, before, limit: 1 })).length > 0
  return json(200, await page(deliveries, limit, more))
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
  {
    method: 'GET',
    path: '/api/v1/deliveries',
    handle: list,
    doc: {
      operationId: 'listDeliveries',
      summary: 'List deliveries, newest first',
      tag: 'Deliveries',
      auth: 'admin',
      query: listDeliveriesQuery,
      responses: {
        200: {
          description:
            'a page of deliveries: `{ data: Delivery[], nextCursor }`; pass nextCursor as `before` for the next page (null on the last)',
          schema: deliveryPageSchema,
        },
        400: 'invalid_request: a bad, unknown or repeated query parameter (`issues` names it)',
      },
    },
  },
  {
    method: 'GET',
    path: '/api/v1/deliveries/:id',
    handle: get,
    doc: {
      operationId: 'getDelivery',
      summary: 'Get a delivery with its attempts',
      tag: 'Deliveries',
      auth: 'admin',
      params: { id: pathParams.deliveryId },
      responses: {
        200: {
          description: 'the delivery with `attempts` (every attempt, oldest first) in place of the count',
          schema: deliveryDetailSchema,
        },
        404: 'not_found: no such delivery',
      },
    },
  },
  {
    method: 'POST',
    path: '/api/v1/deliveries/:id/redeliver',
    handle: redeliver,
    doc: {
      operationId: 'redeliverDelivery',
      summary: 'Deliver again now, with a fresh retry schedule',
      description: 'Its attempt history is kept. Takes no body.',
      tag: 'Deliveries',
      auth: 'admin',
      params: { id: pathParams.deliveryId },
      responses: {
        200: { description: 'the delivery, due now', schema: deliverySchema },
        404: 'not_found: no such delivery',
        409: 'conflict: it is being attempted, or its handler was removed',
      },
    },
  },
]
