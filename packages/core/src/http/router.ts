import type { Route } from './route.js'

/** The outcome of matching a request against the routes. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'bad_path'; readonly reason: string }

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
    for (const { route, segments: pattern } of this.#routes) {
      const params = matchSegments(pattern, segments)
      if (params === null) continue
      if (params instanceof Error) return { kind: 'bad_path', reason: params.message }
      const head = route.method === 'GET' && route.head !== false
      if (route.method === method || (method === 'HEAD' && head)) return { kind: 'found', route, params }
      allow.add(route.method)
      if (head) allow.add('HEAD')
    }
    return allow.size > 0 ? { kind: 'method_not_allowed', allow: [...allow].sort() } : { kind: 'not_found' }
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
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!
    const actual = segments[i]!
    if (expected.startsWith(':')) {
      if (actual === '') return null
      let decoded: string
      try {
        decoded = decodeURIComponent(actual)
      } catch {
        return new Error(`the path segment "${actual.slice(0, 100)}" is not valid percent-encoding`)
      }
      params[expected.slice(1)] = decoded
    } else if (expected !== actual) return null
  }
  return params
}
