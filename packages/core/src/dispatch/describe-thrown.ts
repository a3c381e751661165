/**
 * Describes anything a handler (or a library under it) threw, for an attempt's `error`. Total: it
 * never throws, whatever the value — an Error, a string, `null`, an object without a prototype
 * (`String()` throws on it), one whose `toString` or `message` getter throws, a revoked Proxy.
 *
 * @param value - what was thrown or rejected with
 * @returns `Name: message` for errors, `threw <text>` for anything else, and a fixed text when
 *   nothing about the value can be read
 * @example
 * ```ts
 * describeThrown(new TypeError('bad')) // 'TypeError: bad'
 * describeThrown('nope') // 'threw nope'
 * describeThrown(Object.create(null)) // 'threw [object Object]'
 * ```
 */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`
  } catch {
    // A getter or a Proxy trap threw: describe it as a plain value below.
  }
  try {
    return `threw ${String(value)}`
  } catch {}
  try {
    return `threw ${Object.prototype.toString.call(value)}`
  } catch {}
  return 'threw a value that cannot be described'
}

/**
 * `value instanceof type`, false instead of throwing (a Proxy's `getPrototypeOf` trap may throw).
 * @param value - what was thrown
 * @param type - the class to test for
 */
export function isInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type
  } catch {
    return false
  }
}
