import { json, type Route } from '../route.js'
import { createProjectSchema, parseBody } from '../schemas.js'
import { readJson } from './read-json.js'

/** Listing and creating projects (admin). */
export const projectRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/projects',
    handle: async (ctx) => {
      ctx.auth.requireAdmin(ctx.req)
      return json(200, { data: await ctx.rio.listProjects() })
    },
  },
  {
    method: 'POST',
    path: '/api/v1/projects',
    handle: async (ctx) => {
      ctx.auth.requireAdmin(ctx.req)
      const { name } = parseBody(createProjectSchema, await readJson(ctx))
      return json(201, await ctx.rio.createProject(name))
    },
  },
]
