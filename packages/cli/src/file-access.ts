// Files that other users of the machine can read: the database (event payloads, signing secrets)
// and a config file holding the admin token. Rio creates both readable by their owner only; files
// made by an older Rio, by hand or by a copy keep the mode they were given, and are only pointed
// out: the mode may be an administrator's choice, and narrowing it could lock out a reader.

import { statSync } from 'node:fs'

/** What the "other" bits of a mode let every user do, or null when nothing. */
function othersMay(mode: number): string | null {
  const read = (mode & 0o004) !== 0
  const write = (mode & 0o002) !== 0
  if (read && write) return 'readable and writable'
  if (read) return 'readable'
  if (write) return 'writable'
  return null
}

/** The files among `files` that every user may read or write, with their modes, in order. */
function exposed(files: readonly string[]): Array<{ file: string; mode: string; may: string }> {
  const found: Array<{ file: string; mode: string; may: string }> = []
  for (const file of files) {
    let mode: number
    try {
      const stats = statSync(file, { throwIfNoEntry: false })
      if (!stats?.isFile()) continue
      mode = stats.mode & 0o777
    } catch {
      continue
    }
    const may = othersMay(mode)
    if (may) found.push({ file, mode: mode.toString(8).padStart(3, '0'), may })
  }
  return found
}

function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/**
 * A note when the database file, or its `-wal` or `-shm` file, is readable or writable by every
 * user on the machine (the "other" bits of its mode), naming the files, their modes and the
 * command that closes them; null when none is, or the path is not a file. Access by the file's
 * group is not noted: it is how an administrator lets operators of another account use the CLI.
 * @param database - the database's path, as configured
 */
export function databaseAccessNote(database: string): string | null {
  if (database === ':memory:' || database === '') return null
  const found = exposed([database, `${database}-wal`, `${database}-shm`])
  if (found.length === 0) return null
  const files = found.map((f) => f.file)
  const modes = [...new Set(found.map((f) => f.mode))]
  const may = found.every((f) => f.may === found[0]!.may) ? found[0]!.may : 'readable or writable'
  return `${listed(files)} ${files.length === 1 ? 'is' : 'are'} ${may} by every user on this machine (${modes.length === 1 ? 'mode' : 'modes'} ${listed(modes)}): the database holds event payloads and the webhooks' signing secrets. Run \`chmod o-rwx ${files.join(' ')}\` (Rio creates a new database with mode 600, and SQLite gives the -wal and -shm files the database's mode when it creates them)`
}

/**
 * A note when the config file holds the admin token and is readable or writable by every user on
 * the machine; null otherwise.
 * @param file - the config file's path
 */
export function configAccessNote(file: string): string | null {
  const [found] = exposed([file])
  if (!found) return null
  return `${file} holds the admin token and is ${found.may} by every user on this machine (mode ${found.mode}). Run \`chmod o-rwx ${file}\` (\`rio init\` writes it with mode 600)`
}
