import type { Route } from './route.js'

/**
 * The outcome of matching a request against the routes. On a 405 or a bad path, `route` is the
 * first route of that path: its {@link Route.formatError} words the error.
 */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[]; readonly route: Route }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'bad_path'; readonly reason: string; readonly route: Route }

interface Compiled {
  readonly route: Route
  readonly segments: readonly string[]
}

/**
 * Matches method + path to a route. Paths are split on `/` before percent-decoding, so an encoded
 * `%2F` or `%2e%2e` stays inside one parameter (which the route then validates) and can never
 * change which route matches. A trailing slash is ignored.
 */
export class Router {
  readonly #routes: Compiled[]

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => ({ route, segments: split(route.path) }))
  }

  /**
   * @param method - the request method; HEAD matches GET routes
   * @param path - the path without query string or base path, still percent-encoded
   */
  match(method: string, path: string): RouteMatch {
    const segments = split(path)
    const allow = new Set<string>()
    let first: Route | undefined
    for (const { route, segments: pattern } of this.#routes) {
      const params = matchSegments(pattern, segments)
      if (params === null) continue
      if (params instanceof Error) return { kind: 'bad_path', reason: params.message, route }
      const head = route.method === 'GET' && route.head !== false
      if (route.method === method || (method === 'HEAD' && head)) return { kind: 'found', route, params }
      first ??= route
      allow.add(route.method)
      if (head) allow.add('HEAD')
    }
    return first
      ? { kind: 'method_not_allowed', allow: [...allow].sort(), route: first }
      : { kind: 'not_found' }
  }
}

function split(path: string): string[] {
  const trimmed = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path
  return trimmed.split('/').slice(1)
}

function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | Error | null {
  if (pattern.length !== segments.length) return null
  // Every literal segment first: a bad parameter belongs to the route whose path this is.
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!
    if (expected.startsWith(':') ? segments[i] === '' : expected !== segments[i]) return null
  }
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!
    if (!expected.startsWith(':')) continue
    const actual = segments[i]!
    try {
      params[expected.slice(1)] = decodeURIComponent(actual)
    } catch {
      return new Error(`the path segment "${actual.slice(0, 100)}" is not valid percent-encoding`)
    }
  }
  return params
}
