import { type BigIntStats, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { RioDatabaseError } from '../../errors.js'

/**
 * The database file a connection opened, by path and identity (device and inode). A file deleted
 * or renamed while open stays writable through the open connection, so every commit would
 * "succeed" into a file that no one opening the path finds again: the next start opens a new,
 * empty database and the events are gone. {@link DatabaseFile.check} catches that before a write.
 */
export class DatabaseFile {
  readonly path: string
  readonly #dev: bigint
  readonly #ino: bigint

  /**
   * @param path - the path the connection opened (relative paths resolve against the current
   *   directory, as SQLite resolved them on open)
   * @throws when the file cannot be inspected (call it right after opening)
   */
  constructor(path: string) {
    this.path = resolve(path)
    const stats = statSync(this.path, { bigint: true })
    this.#dev = stats.dev
    this.#ino = stats.ino
  }

  /**
   * The file behind a connection, or null for an in-memory or temporary database, or a file that
   * cannot be inspected (then nothing is checked).
   */
  static of(db: { readonly name: string; readonly memory: boolean }): DatabaseFile | null {
    if (db.memory || db.name === '') return null
    try {
      return new DatabaseFile(db.name)
    } catch {
      return null
    }
  }

  /**
   * Throws unless the path still names the file the connection opened. One `stat` call.
   * @param what - the operation, as in "cannot <what>"
   * @throws {@link RioDatabaseError} with `fault: 'file_moved'`
   */
  check(what: string): void {
    let now: BigIntStats | undefined
    try {
      now = statSync(this.path, { bigint: true, throwIfNoEntry: false })
    } catch {
      // Cannot look (a directory made unreadable): not evidence of a move; SQLite reports real trouble.
      return
    }
    if (now && now.dev === this.#dev && now.ino === this.#ino) return
    const happened = now
      ? `was replaced by another file (inode ${this.#ino} is now ${now.ino})`
      : 'was deleted or renamed (nothing is at that path now)'
    throw new RioDatabaseError(
      `cannot ${what}: the database file "${this.path}" ${happened} while Rio had it open; nothing was written, because what Rio writes now would be lost at its next start. Put the file back at that path (with its -wal file) if it was moved, or restart Rio to open what is there now`,
      { fault: 'file_moved' },
    )
  }
}
