import { compilePattern } from './pattern.js'

/** What matching needs of a handler: its id and its pattern. */
export interface Subscription {
  readonly id: string
  readonly pattern: string
}

/**
 * One project's enabled handlers, indexed to find the ones an event name reaches: handlers
 * subscribed to an exact name are looked up in a map, only patterns holding `*` are tested one by
 * one. An emit to a project with 10 000 handlers on distinct names then costs a lookup, not 10 000
 * pattern tests. Built once per read of the handlers, and kept by the store while they stay unchanged.
 */
export class Subscriptions {
  readonly #ids: readonly string[]
  /** Positions (in the order given) of the handlers subscribed to each exact name. */
  readonly #exact = new Map<string, number[]>()
  /** Positions and matchers of the handlers whose pattern holds `*`, in the order given. */
  readonly #patterns: Array<{ readonly at: number; readonly matches: (name: string) => boolean }> = []

  /** @param subscriptions - the handlers, in the order their deliveries are to be written */
  constructor(subscriptions: readonly Subscription[]) {
    this.#ids = subscriptions.map((s) => s.id)
    for (const [at, { pattern }] of subscriptions.entries()) {
      if (pattern.includes('*')) this.#patterns.push({ at, matches: compilePattern(pattern) })
      else {
        const same = this.#exact.get(pattern)
        if (same) same.push(at)
        else this.#exact.set(pattern, [at])
      }
    }
  }

  /** How many handlers there are. */
  get size(): number {
    return this.#ids.length
  }

  /**
   * The handlers an event named `name` goes to.
   * @returns their ids, in the order the handlers were given
   */
  match(name: string): string[] {
    const exact = this.#exact.get(name)
    const matched: number[] = exact ? [...exact] : []
    let merged = true
    for (const { at, matches } of this.#patterns) {
      if (!matches(name)) continue
      if (matched.length > 0 && at < matched[matched.length - 1]!) merged = false
      matched.push(at)
    }
    if (!merged) matched.sort((a, b) => a - b)
    return matched.map((at) => this.#ids[at]!)
  }
}
