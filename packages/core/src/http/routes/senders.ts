import type { IncomingMessage } from 'node:http'
import { RioNotFoundError } from '../../errors.js'
import type { Sender } from '../../store/store.js'
import type { ResolvedApiOptions } from '../api-options.js'
import { type ApiContext, json, type Route } from '../route.js'
import { createSenderSchema, parseBody, projectParam } from '../schemas.js'
import { readJson } from './read-json.js'

/** A sender as the API shows it: never the secret or its hash. */
function senderJson(sender: Sender) {
  return { project: sender.project, name: sender.name, createdAt: sender.createdAt }
}

const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/

/**
 * The DSN a sender puts in its configuration: `http://<name>:<secret>@<host><basePath>/<project>`,
 * from `publicUrl` when configured, else from the request's `Host` header (or the socket's address
 * when the header is missing or not a plain host).
 */
export function buildDsn(
  req: IncomingMessage,
  options: ResolvedApiOptions,
  project: string,
  name: string,
  secret: string,
): string {
  let base = options.publicUrl
  if (base === undefined) {
    const header = req.headers.host
    const encrypted = 'encrypted' in req.socket && req.socket.encrypted === true
    const host =
      header && HOST.test(header)
        ? header
        : `${formatAddress(req.socket.localAddress ?? '127.0.0.1')}:${req.socket.localPort ?? 80}`
    base = `${encrypted ? 'https' : 'http'}://${host}${options.basePath}`
  }
  const url = new URL(`${base}/${encodeURIComponent(project)}`)
  url.username = encodeURIComponent(name)
  url.password = encodeURIComponent(secret)
  return url.href
}

function formatAddress(address: string): string {
  return address.includes(':') ? `[${address}]` : address
}

async function list(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = (await ctx.rio.getProject(projectParam(ctx.params.project))).name
  return json(200, { data: (await ctx.rio.listSenders(project)).map(senderJson) })
}

async function create(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = (await ctx.rio.getProject(projectParam(ctx.params.project))).name
  const input = parseBody(createSenderSchema, await readJson(ctx))
  const { sender, secret } = await ctx.rio.createSender(project, input.name, {
    ...(input.secret !== undefined ? { secret: input.secret } : {}),
  })
  return json(201, {
    sender: senderJson(sender),
    secret,
    dsn: buildDsn(ctx.req, ctx.options, project, sender.name, secret),
  })
}

async function remove(ctx: ApiContext) {
  ctx.auth.requireAdmin(ctx.req)
  const project = projectParam(ctx.params.project)
  const name = String(ctx.params.name)
  if (!(await ctx.rio.removeSender(project, name))) {
    throw new RioNotFoundError('sender', `${project}/${name}`)
  }
  return { status: 204 }
}

/** Managing the credentials allowed to emit into a project (admin). */
export const senderRoutes: readonly Route[] = [
  { method: 'GET', path: '/api/v1/projects/:project/senders', handle: list },
  { method: 'POST', path: '/api/v1/projects/:project/senders', handle: create },
  { method: 'DELETE', path: '/api/v1/projects/:project/senders/:name', handle: remove },
]
