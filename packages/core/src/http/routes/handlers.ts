import type { Handler } from '../../handlers/handler.js'
import type { WebhookOptions } from '../../handlers/handler-options.js'
import type { HandlerUpdate } from '../../rio.js'
import { ApiError } from '../api-error.js'
import {
  handlerPageSchema,
  handlerRemovedSchema,
  handlerSchema,
  requeuedSchema,
  webhookHandlerSchema,
} from '../response-schemas.js'
import { type ApiContext, json, page, type Route } from '../route.js'
import {
  createHandlerSchema,
  disableHandlerSchema,
  idParam,
  listHandlersQuery,
  parseBody,
  parseQuery,
  pathParams,
  projectParam,
  recoverSchema,
  updateHandlerSchema,
  webhookBodySchema,
  webhookPatchSchema,
} from '../schemas.js'
import { readJson } from './read-json.js'

/** Lists leave signing secrets out; a single handler (and a created one) shows them. */
function listed(handler: Handler): Omit<Handler, 'secrets'> {
  if (handler.kind !== 'webhook') return handler
  const { secrets: _secrets, ...rest } = handler
  return rest
}

/** As the other lists: `limit` defaults to 50 and is at most 1000. */
const DEFAULT_LIMIT = 50

/**
 * `GET /api/v1/projects/:project/handlers?after&limit`: by name, a page at a time. Reads `limit + 1`
 * so one query says whether another page follows.
 */
async function list(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = (await ctx.rio.getProject(projectParam(ctx.params.project))).name
  const { after, limit = DEFAULT_LIMIT } = parseQuery(listHandlersQuery, ctx.query)
  const handlers = await ctx.rio.listHandlers({ project, after, limit: limit + 1 })
  const more = async (last: string) =>
    (await ctx.rio.listHandlers({ project, after: last, limit: 1 })).length > 0
  const { data, nextCursor } = await page(handlers, limit, more)
  return json(200, { data: data.map(listed), nextCursor })
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

const project = { project: pathParams.project }
const id = { id: pathParams.handlerId }
const noHandler = 'not_found: no such handler'
const theHandler = { description: 'the handler, with its signing secrets', schema: handlerSchema }

/** Subscribing webhooks and operating handlers (admin). */
export const handlerRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/projects/:project/handlers',
    handle: list,
    doc: {
      operationId: 'listHandlers',
      summary: "List a project's handlers, by name",
      description:
        'A page at a time, as the other lists: `{ data, nextCursor }`; pass nextCursor as `after` for the next page (null on the last). Handlers added or removed between pages do not make another one repeat or go missing.',
      tag: 'Handlers',
      auth: 'admin',
      params: project,
      query: listHandlersQuery,
      responses: {
        200: {
          description:
            'a page of handlers by name, without signing secrets: `{ data: Handler[], nextCursor }`; pass nextCursor as `after` for the next page (null on the last)',
          schema: handlerPageSchema,
        },
        400: 'invalid_request: a bad, unknown or repeated query parameter (`issues` names it), or a path parameter that is not valid percent-encoding (`%zz`); invalid_argument (with an issue at `after`): `after` names no handler of this project',
        404: 'not_found: no such project',
      },
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects/:project/handlers',
    handle: create,
    doc: {
      operationId: 'createHandler',
      summary: 'Subscribe a webhook',
      description:
        'The body is `rio.webhook(pattern, options)`: posting a `name` that exists again updates that handler and keeps its secret. The URL must be http or https.',
      tag: 'Handlers',
      auth: 'admin',
      params: project,
      body: { required: true, content: { 'application/json': webhookBodySchema } },
      responses: {
        201: { description: 'the handler, with its signing secrets', schema: webhookHandlerSchema },
        400: 'invalid_request or invalid_handler (with `issues`, e.g. `headers.x-team`): a bad or unknown field; malformed_json',
        404: 'not_found: no such project',
        409: 'conflict: the name belongs to a function handler',
      },
    },
  },
  {
    method: 'GET',
    path: '/api/v1/handlers/:id',
    handle: get,
    doc: {
      operationId: 'getHandler',
      summary: 'Get a handler',
      tag: 'Handlers',
      auth: 'admin',
      params: id,
      responses: {
        200: { description: 'the handler, with its signing secrets', schema: handlerSchema },
        404: noHandler,
      },
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/handlers/:id',
    handle: update,
    doc: {
      operationId: 'updateHandler',
      summary: "Change a handler's pattern or webhook options",
      description:
        'Webhook fields (url, method, contentType, secrets, headers) on a function handler are refused.',
      tag: 'Handlers',
      auth: 'admin',
      params: id,
      body: { required: true, content: { 'application/json': webhookPatchSchema } },
      responses: {
        200: theHandler,
        400: 'invalid_request (no field) or invalid_handler (with `issues`): a bad or unknown field; malformed_json',
        404: noHandler,
      },
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/handlers/:id',
    handle: remove,
    doc: {
      operationId: 'deleteHandler',
      summary: 'Remove a handler',
      description: 'Its unfinished deliveries are cancelled, not dropped.',
      tag: 'Handlers',
      auth: 'admin',
      params: id,
      responses: {
        200: {
          description: '`{ deleted: true, cancelled }`: how many deliveries were cancelled',
          schema: handlerRemovedSchema,
        },
        404: noHandler,
      },
    },
  },
  {
    method: 'POST',
    path: '/api/v1/handlers/:id/enable',
    handle: enable,
    doc: {
      operationId: 'enableHandler',
      summary: 'Let a handler receive deliveries again',
      description: 'Its waiting deliveries resume. Takes no body.',
      tag: 'Handlers',
      auth: 'admin',
      params: id,
      responses: { 200: theHandler, 404: noHandler },
    },
  },
  {
    method: 'POST',
    path: '/api/v1/handlers/:id/disable',
    handle: disable,
    doc: {
      operationId: 'disableHandler',
      summary: 'Stop a handler receiving deliveries',
      description: 'Its deliveries wait until it is enabled again.',
      tag: 'Handlers',
      auth: 'admin',
      params: id,
      body: { required: false, content: { 'application/json': disableHandlerSchema } },
      responses: { 200: theHandler, 404: noHandler },
    },
  },
  {
    method: 'POST',
    path: '/api/v1/handlers/:id/recover',
    handle: recover,
    doc: {
      operationId: 'recoverHandler',
      summary: "Re-queue a handler's dead deliveries",
      description:
        "A `since` more than 60 s ahead of the server's clock is refused: it could match no delivery.",
      tag: 'Handlers',
      auth: 'admin',
      params: id,
      body: { required: false, content: { 'application/json': recoverSchema } },
      responses: {
        200: {
          description: '`{ requeued }`: how many dead deliveries are due again',
          schema: requeuedSchema,
        },
        400: "invalid_request (with `issues`) or malformed_json: the body failed validation, is not JSON or UTF-8, or is nested deeper than maxJsonDepth; invalid_argument (with an issue at `since`): `since` is more than 60 s ahead of the server's clock; invalid_request: a path parameter that is not valid percent-encoding (`%zz`)",
        404: noHandler,
      },
    },
  },
]
