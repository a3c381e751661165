import type { Handler } from '../../handlers/handler.js'
import type { WebhookOptions } from '../../handlers/handler-options.js'
import type { HandlerUpdate } from '../../rio.js'
import { ApiError } from '../api-error.js'
import { type ApiContext, json, type Route } from '../route.js'
import {
  createHandlerSchema,
  disableHandlerSchema,
  idParam,
  parseBody,
  projectParam,
  recoverSchema,
  updateHandlerSchema,
} from '../schemas.js'
import { readJson } from './read-json.js'

/** Lists leave signing secrets out; a single handler (and a created one) shows them. */
function listed(handler: Handler): Omit<Handler, 'secrets'> {
  if (handler.kind !== 'webhook') return handler
  const { secrets: _secrets, ...rest } = handler
  return rest
}

async function list(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = (await ctx.rio.getProject(projectParam(ctx.params.project))).name
  return json(200, { data: (await ctx.rio.listHandlers({ project })).map(listed) })
}

async function create(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = (await ctx.rio.getProject(projectParam(ctx.params.project))).name
  const { pattern, ...options } = parseBody(createHandlerSchema, await readJson(ctx))
  if (options.project !== undefined && options.project !== project) {
    throw new ApiError(
      'invalid_request',
      `the body names project "${options.project}" but the path names "${project}"; drop "project" from the body`,
      { issues: [{ path: 'project', message: 'must match the project in the path' }] },
    )
  }
  const handler = await ctx.rio.webhook(pattern, { ...(options as WebhookOptions), project })
  return json(201, handler)
}

async function get(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  return json(200, await ctx.rio.getHandler(idParam('handler', ctx.params.id)))
}

async function update(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const id = idParam('handler', ctx.params.id)
  const patch = parseBody(updateHandlerSchema, await readJson(ctx))
  return json(200, await ctx.rio.updateHandler(id, patch as HandlerUpdate))
}

async function remove(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const { cancelled } = await ctx.rio.removeHandler(idParam('handler', ctx.params.id))
  return json(200, { deleted: true, cancelled })
}

async function enable(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  return json(200, await ctx.rio.enableHandler(idParam('handler', ctx.params.id)))
}

async function disable(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const id = idParam('handler', ctx.params.id)
  const { reason } = parseBody(disableHandlerSchema, await readJson(ctx))
  return json(200, await ctx.rio.disableHandler(id, reason))
}

async function recover(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const id = idParam('handler', ctx.params.id)
  const { since } = parseBody(recoverSchema, await readJson(ctx))
  return json(200, await ctx.rio.recover({ handler: id, ...(since ? { since } : {}) }))
}

/** Subscribing webhooks and operating handlers (admin). */
export const handlerRoutes: readonly Route[] = [
  { method: 'GET', path: '/api/v1/projects/:project/handlers', handle: list },
  { method: 'POST', path: '/api/v1/projects/:project/handlers', handle: create },
  { method: 'GET', path: '/api/v1/handlers/:id', handle: get },
  { method: 'PATCH', path: '/api/v1/handlers/:id', handle: update },
  { method: 'DELETE', path: '/api/v1/handlers/:id', handle: remove },
  { method: 'POST', path: '/api/v1/handlers/:id/enable', handle: enable },
  { method: 'POST', path: '/api/v1/handlers/:id/disable', handle: disable },
  { method: 'POST', path: '/api/v1/handlers/:id/recover', handle: recover },
]
