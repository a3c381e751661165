import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** One regular file of an npm tarball, its path without the leading `package/`. */
export interface TarballFile {
  readonly path: string
  readonly mode: number
  readonly content: Buffer
}

const BLOCK = 512

/** A NUL-terminated ASCII field of a tar header. */
function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? length : end).toString('utf8')
}

/** The `path=` record of a pax extended header, if it has one. */
function paxPath(records: Buffer): string | undefined {
  for (const line of records.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line)
    if (match) return match[1]
  }
  return undefined
}

/**
 * Reads the regular files of a gzipped tar, as `npm pack` and `pnpm pack` write them (ustar, with
 * pax headers for long names): enough to check a package's contents without a `tar` binary.
 */
export function readTarball(gzipped: Buffer): TarballFile[] {
  const tar = gunzipSync(gzipped)
  const files: TarballFile[] = []
  let longPath: string | undefined
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK)
    if (header.every((byte) => byte === 0)) break
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8)
    const type = String.fromCharCode(header[156] ?? 0)
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size)
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK
    if (type === 'x') {
      longPath = paxPath(body)
      continue
    }
    const prefix = field(header, 345, 155)
    const name = longPath ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100))
    longPath = undefined
    if (type !== '0' && type !== '\0') continue
    files.push({
      path: name.replace(/^package\//, ''),
      mode: Number.parseInt(field(header, 100, 8).trim() || '0', 8),
      content: Buffer.from(body),
    })
  }
  return files
}

/** Writes `files` under `dir` with their modes, as a package manager unpacks a tarball. */
export function extractTo(files: readonly TarballFile[], dir: string): void {
  for (const file of files) {
    const target = join(dir, file.path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, file.content)
    chmodSync(target, file.mode & 0o777)
  }
}
