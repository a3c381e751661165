import { describe, expect, it } from 'vitest'
import { RioConflictError, RioNotFoundError } from '../../../src/errors.js'
import { type CurrentStore, T0 } from './fixtures.js'

/** Projects (created once, ensured idempotently) and the senders kept per project. */
export function projectsContract(store: CurrentStore): void {
  describe('projects', () => {
    it('returns the first project when ensureProject is called again for the same name', async () => {
      const first = await store().ensureProject('p', T0)
      const again = await store().ensureProject('p', T0 + 1000)
      expect(again).toEqual(first)
      expect(again).toMatchObject({ name: 'p', createdAt: new Date(T0) })
      expect((await store().listProjects()).map((p) => p.name)).toEqual(['p'])
    })

    it('rejects createProject with RioConflictError when the name is taken', async () => {
      const created = await store().createProject('p', T0)
      expect(created).toMatchObject({ name: 'p', createdAt: new Date(T0) })
      await expect(store().createProject('p', T0)).rejects.toBeInstanceOf(RioConflictError)
      await store().ensureProject('q', T0)
      await expect(store().createProject('q', T0)).rejects.toBeInstanceOf(RioConflictError)
      expect(await store().getProject('p')).toEqual(created)
    })

    it('returns null from getProject when the project does not exist', async () => {
      await store().createProject('p', T0)
      expect(await store().getProject('nope')).toBeNull()
    })

    it('lists every project with a distinct id when several exist', async () => {
      const names = ['beta', 'alpha', 'gamma']
      for (const name of names) await store().createProject(name, T0)
      const projects = await store().listProjects()
      expect(projects.map((p) => p.name).sort()).toEqual(['alpha', 'beta', 'gamma'])
      expect(new Set(projects.map((p) => p.id)).size).toBe(3)
    })
  })

  describe('senders', () => {
    it('creates, reads, lists and deletes senders within their own project', async () => {
      await store().createProject('p', T0)
      await store().createProject('q', T0)
      const web = await store().createSender({ project: 'p', name: 'web', secretHash: 'hash-1', now: T0 })
      expect(web).toMatchObject({ project: 'p', name: 'web', secretHash: 'hash-1', createdAt: new Date(T0) })
      await store().createSender({ project: 'p', name: 'api', secretHash: 'hash-2', now: T0 })
      await store().createSender({ project: 'q', name: 'web', secretHash: 'hash-3', now: T0 })

      expect(await store().getSender('p', 'web')).toEqual(web)
      expect((await store().getSender('q', 'web'))!.secretHash).toBe('hash-3')
      expect(await store().getSender('p', 'nope')).toBeNull()
      expect((await store().listSenders('p')).map((s) => s.name).sort()).toEqual(['api', 'web'])

      expect(await store().deleteSender('p', 'web')).toBe(true)
      expect(await store().deleteSender('p', 'web')).toBe(false)
      expect(await store().getSender('p', 'web')).toBeNull()
      expect((await store().listSenders('p')).map((s) => s.name)).toEqual(['api'])
      expect(await store().getSender('q', 'web')).not.toBeNull()
    })

    it('rejects a second sender with RioConflictError when the name is taken in the project', async () => {
      await store().createProject('p', T0)
      await store().createSender({ project: 'p', name: 'web', secretHash: 'hash-1', now: T0 })
      await expect(
        store().createSender({ project: 'p', name: 'web', secretHash: 'hash-2', now: T0 }),
      ).rejects.toBeInstanceOf(RioConflictError)
      expect((await store().getSender('p', 'web'))!.secretHash).toBe('hash-1')
    })

    it('rejects a sender with RioNotFoundError when its project does not exist', async () => {
      await expect(
        store().createSender({ project: 'nope', name: 'web', secretHash: 'hash', now: T0 }),
      ).rejects.toBeInstanceOf(RioNotFoundError)
      expect(await store().getProject('nope')).toBeNull()
    })
  })
}
