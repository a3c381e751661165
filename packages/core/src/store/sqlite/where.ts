/**
 * A WHERE clause built from optional filters: each condition is added only when its value is
 * given, and its value is bound, never spliced into the SQL.
 */
export class Where {
  readonly #conditions: string[] = []
  readonly args: unknown[] = []

  /** Adds `condition` (with one `?`) when `value` is defined. */
  when(value: unknown, condition: string): this {
    if (value !== undefined) {
      this.#conditions.push(condition)
      this.args.push(value)
    }
    return this
  }

  /** Adds `column IN (?, …)` when `values` is defined. */
  whenIn(values: readonly unknown[] | undefined, column: string): this {
    if (values !== undefined) {
      this.#conditions.push(`${column} IN (${values.map(() => '?').join(', ')})`)
      this.args.push(...values)
    }
    return this
  }

  toString(): string {
    return this.#conditions.length ? `WHERE ${this.#conditions.join(' AND ')}` : ''
  }
}
