const cache = new Map<string, (name: string) => boolean>()

/**
 * Compiles a handler's pattern into a matcher. A pattern is an event name in which `*` matches any
 * run of characters, dots included: `comment.*` matches `comment.published` and
 * `comment.published.v2`; `*` matches every event; a pattern without `*` matches only itself.
 * @param pattern - an event name or a pattern
 * @returns a function telling whether an event name matches
 */
export function compilePattern(pattern: string): (name: string) => boolean {
  let matcher = cache.get(pattern)
  if (matcher) return matcher
  if (pattern === '*') matcher = () => true
  else if (!pattern.includes('*')) matcher = (name) => name === pattern
  else {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
      .join('.*')
    const regex = new RegExp(`^${source}$`)
    matcher = (name) => regex.test(name)
  }
  if (cache.size > 10_000) cache.clear()
  cache.set(pattern, matcher)
  return matcher
}

/** The pattern rule: event-name characters plus `*`, 1 to 128 of them. */
export const PATTERN_RE = /^[A-Za-z0-9*][A-Za-z0-9._:*-]{0,127}$/
