import { parseJsonBody, readBody } from '../body.js'
import type { ApiContext } from '../route.js'

/**
 * Reads the request body as JSON with the API's size and depth limits; an empty body is `{}`, so
 * routes whose fields are all optional need no body.
 * @throws {@link ApiError} 413, 415 or 400 (see `body.ts`)
 */
export async function readJson(ctx: ApiContext): Promise<unknown> {
  const body = parseJsonBody(await readBody(ctx.req, ctx.options.maxBodyBytes), ctx.options.maxJsonDepth)
  return body === undefined ? {} : body
}
