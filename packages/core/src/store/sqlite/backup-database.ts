import { randomBytes } from 'node:crypto'
import { type BigIntStats, statSync } from 'node:fs'
import { link, open, realpath, rename, stat, unlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname, join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import {
  RioConflictError,
  RioDatabaseCorruptError,
  RioDatabaseError,
  RioDatabaseUnrecognizedError,
  type RioError,
  RioValidationError,
} from '../../errors.js'
import { describeDamage, inspectPath } from './open-database-file.js'
import { isCorruptCode, repairAdvice } from './sqlite-failure.js'

/** Options of {@link backupDatabase} and `Rio.backup()`. */
export interface BackupOptions {
  /** Replace a file already at the destination (atomically: a rename over it). @default false */
  force?: boolean
  /** Called as pages are copied, with how many there are and how many are left. */
  onProgress?: (progress: BackupProgress) => void
}

/** How far a backup has got, in database pages. */
export interface BackupProgress {
  readonly totalPages: number
  readonly remainingPages: number
}

/** What a backup wrote. Counts and version are the copy's own: the database as it was when the copy began. */
export interface BackupReport {
  /** The database copied, as an absolute path. */
  readonly database: string
  /** The copy, as an absolute path. */
  readonly path: string
  /** The copy's size in bytes. */
  readonly bytes: number
  /** Events in the copy. */
  readonly events: number
  /** Deliveries in the copy. */
  readonly deliveries: number
  /** The copy's schema version (`PRAGMA user_version`; `rio migrate` brings it up to date). */
  readonly schemaVersion: number
  /** How long the backup took, in ms. */
  readonly durationMs: number
}

/** What the copying worker reports when it is done. */
interface Copied {
  readonly events: number
  readonly deliveries: number
  readonly schemaVersion: number
}

/**
 * Pages per step of SQLite's backup API (16 MiB at Rio's 4 KiB pages), each step's writes flushed
 * to disk before the next (`fdatasync`). Left to the end, the copy's one fsync flushed the whole file
 * at once, and a Rio emitting in the same process waited behind it in its own commit's fsync: its
 * event loop stalled 68–85 ms (once 321 ms) during a 90 MB backup, against 14–28 ms with a flush
 * per step (4–5 ms with no backup), for about the same backup time (figures in docs/reliability.md).
 */
const STEP_PAGES = 4096

/**
 * The copying worker, as source run with `eval` (a file next to this one would need a loader under
 * the test runner, which transforms TypeScript for this thread only). It opens its own read-only
 * connection and holds one read transaction for the whole copy: the backup API then copies one
 * snapshot (the counts are the copy's) and never restarts. Without it, each step starts a new
 * read, and a write by any other connection between steps restarts the copy from the first page:
 * with another process emitting, 1 000-page steps never finished (6 677 restarts in 60 s, the WAL
 * grown to 300 MB meanwhile). The backup API copies pages as they are, damaged ones too, so the
 * copy is then checked (`PRAGMA quick_check`, on pages just written, still in the OS's cache): a
 * backup of a damaged database fails rather than hand over a damaged copy. It posts `progress`
 * after each step, then `done` or `failed` (with the phase: `read` before the copy began, `copy`
 * during it, `verify` when the copy is damaged, with SQLite's first lines).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const Database = require(workerData.driver)
;(async () => {
  let db
  let copy
  let phase = 'read'
  try {
    db = new Database(workerData.source, { readonly: true, fileMustExist: true })
    db.pragma('cache_size = -2048')
    db.exec('BEGIN')
    const schemaVersion = db.pragma('user_version', { simple: true })
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('events', 'deliveries')")
      .all()
    if (tables.length < 2) {
      db.close()
      parentPort.postMessage({ failed: { phase, notRio: true, schemaVersion } })
      return
    }
    const events = db.prepare('SELECT count(*) AS n FROM events').get().n
    const deliveries = db.prepare('SELECT count(*) AS n FROM deliveries').get().n
    phase = 'copy'
    copy = fs.openSync(workerData.temp, 'r+')
    await db.backup(workerData.temp, {
      progress: (p) => {
        fs.fdatasyncSync(copy)
        parentPort.postMessage({ progress: { totalPages: p.totalPages, remainingPages: p.remainingPages } })
        return workerData.step
      },
    })
    fs.closeSync(copy)
    copy = undefined
    db.exec('COMMIT')
    db.close()
    phase = 'verify'
    const check = new Database(workerData.temp, { readonly: true, fileMustExist: true })
    const lines = check.pragma('quick_check(10)').map((row) => Object.values(row)[0])
    check.close()
    if (lines.length !== 1 || lines[0] !== 'ok') {
      parentPort.postMessage({ failed: { phase, problems: lines } })
      return
    }
    parentPort.postMessage({ done: { events, deliveries, schemaVersion } })
  } catch (error) {
    try {
      if (copy !== undefined) fs.closeSync(copy)
      if (db && db.open) db.close()
    } catch {}
    parentPort.postMessage({ failed: { phase, message: String(error && error.message), code: error && error.code } })
  }
})()
`

/** What the worker posts. */
type WorkerMessage =
  | { readonly progress: BackupProgress }
  | { readonly done: Copied }
  | {
      readonly failed: {
        readonly phase: 'read' | 'copy' | 'verify'
        readonly message?: string
        readonly code?: string
        readonly notRio?: true
        readonly schemaVersion?: number
        /** What `PRAGMA quick_check` found in the copy. */
        readonly problems?: readonly string[]
      }
    }

/** Codes of `link()` failing because the file system has no hard links (then a rename is used). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])

/**
 * Copies a Rio SQLite database, online: Rio may be running on it, in this process or others, and
 * emits go on meanwhile. The copy is one consistent snapshot, taken when the backup starts,
 * including every commit still in the `-wal` file; a plain `cp` of a live database misses those or
 * copies a torn file. It is written under a temporary name in the destination's directory (a
 * `<name>.partial-<random>` file, mode 600), fsynced, then put in place in one step (a hard link
 * that refuses an existing file, or with `force` a rename over it), and the directory is fsynced:
 * a crash never leaves half a file under the destination's name.
 *
 * The copy is made by SQLite's online backup API in a worker thread with its own read-only
 * connection, so the caller's event loop is not blocked by it (a 90 MB database: 0.3 s, timers late
 * by at most 4.4 ms; a Rio emitting in the same process, sharing the disk, stalled 16–28 ms against
 * 4–5 ms with no backup). It holds one read transaction on the database until done:
 * writers are not blocked (WAL), but checkpoints cannot get past the snapshot, so the `-wal` file
 * grows by what is written meanwhile. The database is neither written nor migrated: a copy
 * taken before `rio migrate` keeps the old schema.
 *
 * @param database - the database file to copy
 * @param destination - where to write the copy (its directory must exist)
 * @param options.force - replace a file at `destination` @default false
 * @param options.onProgress - called as pages are copied
 * @returns the copy's path and size, its event and delivery counts and its schema version
 * @throws {@link RioValidationError} `invalid_argument` when `destination` is empty, is the
 *   database itself or one of its `-wal`, `-shm` and `-journal` files, is a directory, or lies in a
 *   directory that does not exist
 * @throws {@link RioConflictError} when a file is at `destination` and `force` is not set
 * @throws {@link RioDatabaseUnrecognizedError} when the database is not a file, not SQLite, or
 *   another application's
 * @throws {@link RioDatabaseCorruptError} when the database is damaged: SQLite cannot read it, or
 *   finds the copy damaged (the backup API copies pages as they are); nothing is left at
 *   `destination`
 * @throws {@link RioDatabaseError} when the database does not exist, cannot be read, or the copy
 *   cannot be written (no permission, a full disk; `cause` holds the system's error)
 * @example
 * ```ts
 * import { backupDatabase } from '@rio/core'
 * const { path, bytes, events } = await backupDatabase('./rio.db', `/backups/rio-${Date.now()}.db`)
 * ```
 */
export async function backupDatabase(
  database: string,
  destination: string,
  options: BackupOptions = {},
): Promise<BackupReport> {
  const started = performance.now()
  if (typeof database !== 'string' || database === '' || database === ':memory:')
    throw new RioValidationError('invalid_argument', 'backupDatabase() needs the path of a database file')
  if (typeof destination !== 'string' || destination.trim() === '' || destination.includes('\0'))
    throw new RioValidationError('invalid_argument', 'a backup needs a destination path')
  const source = resolve(database)
  const target = resolve(destination)
  // What Rio would refuse to open (a directory, a file that is not SQLite) is refused alike.
  inspectPath(source)
  const sourceStats = statSync(source, { bigint: true, throwIfNoEntry: false })
  if (!sourceStats?.isFile())
    throw new RioDatabaseError(
      `cannot back up ${source}: ${sourceStats ? 'it is not a file' : 'no such file'}`,
    )
  const targetStats = await checkDestination(source, target)
  if (targetStats && !options.force) throw taken(target)

  const temp = join(dirname(target), `${basename(target)}.partial-${randomBytes(6).toString('hex')}`)
  // Created here, exclusively and readable by its owner only (it holds signing secrets and
  // payloads): a missing permission is the system's clear EACCES, and the name is ours.
  await writing(target, () => open(temp, 'wx', 0o600).then((file) => file.close()))
  try {
    const copied = await copyInWorker(source, temp, target, options.onProgress)
    await writing(target, async () => {
      const file = await open(temp, 'r+')
      try {
        await file.sync()
      } finally {
        await file.close()
      }
      await publish(temp, target, options.force === true)
      await syncDirectory(dirname(target))
    })
    const { size } = await stat(target)
    return {
      database: source,
      path: target,
      bytes: size,
      ...copied,
      durationMs: Math.round(performance.now() - started),
    }
  } finally {
    // Gone once published; after a failure, the partial copy and its rollback journal go too; the
    // check of the copy may leave an empty -wal and a -shm file.
    await unlink(temp).catch(() => {})
    for (const suffix of ['-journal', '-wal', '-shm']) await unlink(`${temp}${suffix}`).catch(() => {})
  }
}

/**
 * Refuses a destination that is the database or one of its companion files (by path, through
 * symbolic links, and by identity, so a hard link is caught too), a directory, or a path in a
 * directory that does not exist.
 * @returns the destination's stats when a file is there, else undefined
 */
async function checkDestination(source: string, target: string): Promise<BigIntStats | undefined> {
  const directory = dirname(target)
  const directoryStats = statSync(directory, { throwIfNoEntry: false })
  if (!directoryStats?.isDirectory()) {
    throw new RioValidationError(
      'invalid_argument',
      `the backup destination's directory ${directory} ${directoryStats ? 'is not a directory' : 'does not exist'}; create it, or pick another destination`,
    )
  }
  const companions = ['', '-wal', '-shm', '-journal']
  const real = join(await realpath(directory), basename(target))
  const realSource = join(await realpath(dirname(source)), basename(source))
  const targetStats = statSync(target, { bigint: true, throwIfNoEntry: false })
  const same =
    companions.some((suffix) => real === realSource + suffix) ||
    (targetStats !== undefined &&
      companions.some((suffix) => {
        const companion = statSync(source + suffix, { bigint: true, throwIfNoEntry: false })
        return companion?.dev === targetStats.dev && companion.ino === targetStats.ino
      }))
  if (same) {
    throw new RioValidationError(
      'invalid_argument',
      `the backup destination ${target} is the database ${source} or one of its -wal, -shm or -journal files; write the copy somewhere else`,
    )
  }
  if (targetStats && !targetStats.isFile()) {
    throw new RioValidationError(
      'invalid_argument',
      `the backup destination ${target} is ${targetStats.isDirectory() ? 'a directory' : 'not a regular file'}; give the path of the file to write`,
    )
  }
  return targetStats
}

/** Runs `fn`, turning a system error into a {@link RioDatabaseError} that names the destination. */
async function writing(target: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (error) {
    throw error instanceof RioConflictError ? error : cannotWrite(target, error)
  }
}

/**
 * Puts the finished copy at `target` in one step. Without `force` a hard link, which fails if a
 * file appeared at `target` since it was checked (a rename would silently replace it); on a file
 * system without hard links, a check then a rename.
 */
async function publish(temp: string, target: string, force: boolean): Promise<void> {
  if (!force) {
    try {
      await link(temp, target)
      return
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw taken(target)
      if (!NO_HARD_LINKS.has(code ?? '')) throw error
      if (statSync(target, { throwIfNoEntry: false })) throw taken(target)
    }
  }
  await rename(temp, target)
}

/** Makes the new directory entry durable. Some platforms cannot open a directory; they need not. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(directory, 'r')
  } catch {
    return
  }
  try {
    await handle.sync()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error
  } finally {
    await handle.close()
  }
}

/** Copies `source` into `temp` in a worker thread; see {@link WORKER_SOURCE}. */
function copyInWorker(
  source: string,
  temp: string,
  target: string,
  onProgress: ((progress: BackupProgress) => void) | undefined,
): Promise<Copied> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, source, temp, step: STEP_PAGES },
  })
  return new Promise<Copied>((resolvePromise, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if ('progress' in message) {
        try {
          onProgress?.(message.progress)
        } catch (error) {
          reject(error)
          void worker.terminate()
        }
      } else if ('done' in message) {
        resolvePromise(message.done)
      } else {
        reject(workerFailure(source, target, message.failed))
      }
    })
    worker.on('error', reject)
    // After a settled promise this changes nothing.
    worker.on('exit', (code) =>
      reject(new RioDatabaseError(`the backup of ${source} stopped early (its worker exited with ${code})`)),
    )
  }).finally(() => worker.terminate())
}

/**
 * The error for a failure the worker reported: reading the database (not a Rio database, not a
 * SQLite file, damaged), or writing the copy (a full disk, an I/O error).
 */
function workerFailure(
  source: string,
  target: string,
  failed: Extract<WorkerMessage, { failed: unknown }>['failed'],
): RioError {
  const { code = '', message = '' } = failed
  if (failed.notRio) {
    return new RioDatabaseUnrecognizedError(
      source,
      'not_rio',
      `cannot back up ${source}: it is a SQLite database but not Rio's (no events and deliveries tables; schema version ${failed.schemaVersion}); check the path`,
    )
  }
  if (failed.problems) {
    return new RioDatabaseCorruptError(
      source,
      `cannot back up ${source}: it is damaged, and so would the copy be (SQLite's check of the copy: ${failed.problems.join('; ')}); nothing was written at ${target}. To go on, ${repairAdvice(source)}`,
    )
  }
  const cause = Object.assign(new Error(message), { code })
  // The header was SQLite's (see inspectPath), so the rest of the file is damaged.
  if (isCorruptCode(code))
    return new RioDatabaseCorruptError(
      source,
      `cannot back up ${source}: it is damaged: ${describeDamage(cause, source)}; a copy would be damaged too. To go on, ${repairAdvice(source)}`,
      { cause },
    )
  const reading =
    failed.phase === 'read' || code.startsWith('SQLITE_CORRUPT') || /^SQLITE_IOERR_(SHORT_)?READ/.test(code)
  if (reading) return new RioDatabaseError(`cannot back up ${source}: ${message} (${code})`, { cause })
  return cannotWrite(target, cause)
}

/** The error for a copy that cannot be written, saying what to do about it. */
function cannotWrite(target: string, cause: unknown): RioDatabaseError {
  const code = String((cause as NodeJS.ErrnoException).code ?? '')
  const fix =
    code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code.startsWith('SQLITE_READONLY')
      ? '; check that this user may write to that directory'
      : code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL'
        ? '; free space on that disk'
        : ''
  return new RioDatabaseError(`cannot write the backup ${target}: ${(cause as Error).message}${fix}`, {
    cause,
  })
}

/** The error for a destination taken. */
function taken(target: string): RioConflictError {
  return new RioConflictError(`the backup destination ${target} exists; pass force: true to replace it`)
}
