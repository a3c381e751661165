/** What some of a store's methods do, by name, as in "cannot <what>". */
export type MethodDescriptions<T> = {
  readonly [K in keyof T]?: T[K] extends (...args: never[]) => unknown ? string : never
}

/**
 * Makes every method of `target`'s class pass what it throws (or its promise rejects with) through
 * `failed` first, so that a store reports a driver failure in any of its reads as it does in its
 * writes (a typed error naming the file and the fix), without a try/catch in each method's body,
 * and a read method added later is covered too. Each wrapper keeps its method's shape: a method
 * that returns a promise still does, one that returns a value (or throws) at once still does. The
 * wrappers are own properties of `target`.
 * @param target - the store, once its constructor has set everything its methods use
 * @param descriptions - what the methods do, for messages; others are described by `fallback`
 * @param failed - turns what a method threw, and what it was doing, into what to throw
 * @param options.except - methods left as they are
 * @param options.fallback - what a method not in `descriptions` does
 */
export function guardMethods<T extends object>(
  target: T,
  descriptions: MethodDescriptions<T>,
  failed: (error: unknown, what: string) => unknown,
  options: { readonly except: ReadonlySet<string>; readonly fallback: string },
): void {
  const seen = new Set<string>(['constructor', ...options.except])
  // Up the prototype chain: a subclass's methods, then its base class's it does not override.
  for (
    let prototype = Object.getPrototypeOf(target) as object | null;
    prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown
      if (seen.has(name)) continue
      seen.add(name)
      if (typeof method === 'function') wrap(name, method as (...args: unknown[]) => unknown)
    }
  }

  function wrap(name: string, method: (...args: unknown[]) => unknown): void {
    const what = (descriptions as Record<string, string | undefined>)[name] ?? options.fallback
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        let result: unknown
        try {
          result = method.apply(target, args)
        } catch (error) {
          throw failed(error, what)
        }
        return result instanceof Promise
          ? result.catch((error: unknown) => {
              throw failed(error, what)
            })
          : result
      },
    })
  }
}
