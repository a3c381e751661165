import { afterEach, beforeEach, describe } from 'vitest'
import type { Store } from '../../src/store/store.js'
import { claimsContract } from './contract/claims.js'
import { completionsContract } from './contract/completions.js'
import { deliveriesContract } from './contract/deliveries.js'
import { eventsContract } from './contract/events.js'
import { handlerPagesContract } from './contract/handler-pages.js'
import { handlersContract } from './contract/handlers.js'
import { lostAttemptsContract } from './contract/lost-attempts.js'
import { projectsContract } from './contract/projects.js'
import { retentionContract } from './contract/retention.js'

/** A fresh, empty store for one test, and how to dispose of it afterwards. */
export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>

/**
 * The behaviour every {@link Store} must have, run against each implementation: SQLite today, a
 * PostgreSQL store later. Only the `Store` interface is used, and every time is passed in as `now`,
 * so the suite reads no clock and sleeps nowhere. Each test gets a new store from `makeStore`.
 * @param name - names the implementation in the report
 * @param makeStore - opens an empty, migrated store; its `cleanup` closes it and removes its data
 * @example
 * ```ts
 * storeContract('SqliteStore', async () => {
 *   const store = new SqliteStore({ database: ':memory:' })
 *   return { store, cleanup: () => store.close() }
 * })
 * ```
 */
export function storeContract(name: string, makeStore: MakeStore): void {
  describe(`${name} (Store contract)`, () => {
    let current: { store: Store; cleanup(): Promise<void> } | undefined

    beforeEach(async () => {
      current = await makeStore()
    })

    afterEach(async () => {
      const done = current
      current = undefined
      await done?.cleanup()
    })

    const store = (): Store => {
      if (!current) throw new Error('the store is only available inside a test')
      return current.store
    }

    projectsContract(store)
    eventsContract(store)
    handlersContract(store)
    handlerPagesContract(store)
    claimsContract(store)
    completionsContract(store)
    lostAttemptsContract(store)
    deliveriesContract(store)
    retentionContract(store)
  })
}
