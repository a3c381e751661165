import type { ApiContext, ApiReply, Route } from '../route.js'

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
  { method: 'GET', path: '/_health', handle: health },
  // The original Rio's route, kept for existing monitors.
  { method: 'GET', path: '/health', handle: () => ({ status: 200, text: 'OK' }) },
]
