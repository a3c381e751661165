import { z } from 'zod'
import { healthySchema, unhealthySchema } from '../response-schemas.js'
import type { ApiContext, ApiReply, Route } from '../route.js'

/** The health check reads no query parameter but `full`, and validates none. */
const healthQuery = z.object({
  full: z
    .string()
    .optional()
    .describe('present (`?full`, any value) for the readiness report as JSON instead of `ok`'),
})

/**
 * `GET /_health/` → 200 `ok` (the process answers). `GET /_health/?full` → `{ ok, problems }`,
 * 200 when there are none and 500 when there are (stale dispatcher, backlog, dead deliveries in
 * the last hour, database not writable), so a load balancer or monitor can act on the status alone.
 */
async function health(ctx: ApiContext): Promise<ApiReply> {
  if (!ctx.query.has('full')) return { status: 200, text: 'ok' }
  let problems: readonly string[]
  try {
    ;({ problems } = await ctx.rio.health({
      backlogThreshold: ctx.options.backlogThreshold,
      heartbeatStaleMs: ctx.options.heartbeatStaleMs,
    }))
  } catch (error) {
    problems = [`health check failed: ${(error as Error).message}`]
  }
  return {
    status: problems.length === 0 ? 200 : 500,
    body: { ok: problems.length === 0, problems },
    headers: { 'cache-control': 'no-store' },
  }
}

/** Liveness and readiness, without authentication. */
export const healthRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/_health',
    handle: health,
    doc: {
      operationId: 'health',
      summary: 'Liveness, or readiness with ?full',
      description:
        'With `?full`, reports a dispatcher that has not finished a round for heartbeatStaleMs, more than backlogThreshold due deliveries, deliveries that died in the last hour, and a database that cannot be read or written.',
      tag: 'Health',
      auth: 'none',
      query: healthQuery,
      responses: {
        200: {
          description:
            '`ok` (text/plain): the process answers; with `?full`, `{ "ok": true, "problems": [] }`',
          body: 'text-or-json',
          text: z.literal('ok'),
          schema: healthySchema,
        },
        500: {
          description: 'with `?full`: `{ "ok": false, "problems": [...] }`',
          body: 'json',
          schema: unhealthySchema,
        },
      },
    },
  },
  // The original Rio's route, kept for existing monitors.
  {
    method: 'GET',
    path: '/health',
    handle: () => ({ status: 200, text: 'OK' }),
    doc: {
      operationId: 'healthOriginal',
      summary: "Liveness, the original Rio's route",
      tag: 'Health',
      auth: 'none',
      responses: { 200: { description: '`OK` (text/plain)', body: 'text', text: z.literal('OK') } },
    },
  },
]
