import { type ApiOptions, resolveApiOptions } from './api-options.js'
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js'
import { apiRoutes } from './route-table.js'

/**
 * Rio's HTTP API as an OpenAPI 3.1 document, built from the route table and the zod schemas the
 * routes validate with, so it cannot drift from what the API accepts: every route with its path,
 * query and header parameters, request body schemas (what a client sends), security (the admin
 * Bearer token, a sender's HTTP Basic credentials) and answers, errors included. The API serves
 * the same document at `GET /api/v1/openapi.json`; `docs/openapi.json` holds it with the default
 * options.
 *
 * @param options - the API options it describes: `basePath` (or `publicUrl`) becomes the server
 *   URL, and `maxBatchSize`, `maxBodyBytes` and `maxJsonDepth` appear in the schemas and answers;
 *   admin tokens are never included. @default the defaults of {@link ApiOptions}
 * @returns a fresh, JSON-serialisable document
 * @throws {@link RioValidationError} (`invalid_options`) for bad options
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs'
 * import { openApiDocument } from '@rio/core'
 *
 * writeFileSync('openapi.json', JSON.stringify(openApiDocument({ basePath: '/rio' }), null, 2))
 * ```
 */
export function openApiDocument(options: ApiOptions = {}): OpenApiDocument {
  return buildOpenApiDocument(apiRoutes, resolveApiOptions(options))
}
