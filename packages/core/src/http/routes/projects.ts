import { projectListSchema, projectSchema } from '../response-schemas.js'
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
    doc: {
      operationId: 'listProjects',
      summary: 'List projects',
      tag: 'Projects',
      auth: 'admin',
      responses: {
        200: {
          description: '`{ data: Project[] }`; a Project is `{ id, name, createdAt }`',
          schema: projectListSchema,
        },
      },
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
    doc: {
      operationId: 'createProject',
      summary: 'Create a project',
      tag: 'Projects',
      auth: 'admin',
      body: { required: true, content: { 'application/json': createProjectSchema } },
      responses: {
        201: { description: 'the project: `{ id, name, createdAt }`', schema: projectSchema },
        409: 'conflict: a project of that name exists',
      },
    },
  },
]
