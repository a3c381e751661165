import type { ResolvedApiOptions } from '../api-options.js'
import { buildOpenApiDocument, type OpenApiDocument } from '../openapi-document.js'
import { openApiDocumentSchema } from '../response-schemas.js'
import { json, type Route } from '../route.js'

/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of this API, with its `publicUrl`, or the
 * path it was reached under (`basePath`, or a framework's mount path), as the server URL. No
 * authentication: it holds no secrets, only what docs/api.md says; readable from any origin
 * (`Access-Control-Allow-Origin: *`), as it is sent without credentials.
 * @param table - the routes to describe (a function: the table holds this route too)
 */
export function openApiRoutes(table: () => readonly Route[]): readonly Route[] {
  // Built once per API handler: its options and routes never change.
  const built = new WeakMap<ResolvedApiOptions, OpenApiDocument>()
  return [
    {
      method: 'GET',
      path: '/api/v1/openapi.json',
      handle: (ctx) => {
        let document = built.get(ctx.options)
        if (!document) {
          document = buildOpenApiDocument(table(), ctx.options)
          built.set(ctx.options, document)
        }
        // Mounted by a framework under a path basePath does not name (Express `app.use('/rio', …)`):
        // the server URL is where this request reached the API.
        if (ctx.options.publicUrl === undefined && ctx.prefix !== ctx.options.basePath) {
          document = {
            ...document,
            servers: [{ url: ctx.prefix || '/', description: `mounted under ${ctx.prefix || '/'}` }],
          }
        }
        // Public and without credentials, so any origin may read it (an API explorer on another site).
        return json(200, document, { 'access-control-allow-origin': '*' })
      },
      doc: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI 3.1 document',
        description:
          'Built from the route table and the zod schemas the routes validate with; `servers` holds the `publicUrl`, or the path the API was reached under (`basePath`, or the mount path a framework such as Express stripped).',
        tag: 'Reference',
        auth: 'none',
        responses: { 200: { description: 'the OpenAPI 3.1 document', schema: openApiDocumentSchema } },
      },
    },
  ]
}
