import { closeSync, openSync, readSync } from 'node:fs'
import { quoteInput } from '../../errors.js'

/** The first 16 bytes of every SQLite database file. */
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1')

/** The size of SQLite's file header, in bytes. */
export const HEADER_BYTES = 100

/** Formats a file starting with these bytes may be in, named for a message. */
const SIGNATURES: ReadonlyArray<readonly [Buffer, string]> = [
  [Buffer.from([0x1f, 0x8b]), 'a gzip-compressed file: decompress it first (`gunzip`)'],
  [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), 'a zstd-compressed file: decompress it first (`zstd -d`)'],
  [Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), 'an xz-compressed file: decompress it first (`xz -d`)'],
  [Buffer.from('BZh', 'latin1'), 'a bzip2-compressed file: decompress it first (`bunzip2`)'],
  [Buffer.from([0x50, 0x4b, 0x03, 0x04]), 'a zip archive: extract the database from it first'],
]

/**
 * Up to the first {@link HEADER_BYTES} bytes of a file.
 * @throws the system's error when the file cannot be read
 */
export function readHeader(path: string): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  const fd = openSync(path, 'r')
  try {
    return header.subarray(0, readSync(fd, header, 0, HEADER_BYTES, 0))
  } finally {
    closeSync(fd)
  }
}

/** Whether a file starting with `header` is a SQLite database (its first 16 bytes are SQLite's). */
export function isSqliteHeader(header: Buffer): boolean {
  return header.length >= MAGIC.length && header.subarray(0, MAGIC.length).equals(MAGIC)
}

/**
 * What a file that is not a SQLite database looks like, from its first bytes, for a message: a
 * compressed file or an archive (and how to unpack it), text (quoted), zeros, or anything else.
 */
export function describeNonSqlite(header: Buffer): string {
  for (const [signature, what] of SIGNATURES) {
    if (header.subarray(0, signature.length).equals(signature)) return what
  }
  if (header.every((byte) => byte === 0))
    return 'only zero bytes where SQLite keeps its header (a wiped or preallocated file)'
  const text = header.toString('utf8')
  // Text: no control characters but tab, line feed and carriage return, and valid UTF-8.
  if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(text)) {
    return `a text file (it starts ${quoteInput(text.slice(0, 40))})`
  }
  return 'data without a SQLite header (random, encrypted or another format)'
}

/**
 * Why a SQLite file looks cut short, for a message, or null when it does not (or its header cannot
 * tell): its size is not a whole number of its pages, or it is smaller than the page count in its
 * header. That count is trusted only when marked valid (offset 92 equals the change counter at
 * offset 24, as SQLite since 3.7.0 writes it) and no `-wal` file may hold pages past the file's end.
 * @param header - the file's first {@link HEADER_BYTES} bytes
 * @param fileBytes - the file's size
 * @param walBytes - the size of its `-wal` file (0 when there is none)
 */
export function describeTruncation(header: Buffer, fileBytes: number, walBytes: number): string | null {
  if (!isSqliteHeader(header) || header.length < HEADER_BYTES) return null
  const rawPageSize = header.readUInt16BE(16)
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return null
  if (fileBytes % pageSize !== 0) {
    return `its ${fileBytes} bytes are not a whole number of its ${pageSize}-byte pages: the file was cut short (a copy that did not finish, a full disk)`
  }
  if (walBytes > 0 || header.readUInt32BE(92) !== header.readUInt32BE(24)) return null
  const pages = header.readUInt32BE(28)
  if (pages * pageSize <= fileBytes) return null
  return `it is ${fileBytes} bytes but its header says ${pages * pageSize} (${pages} pages of ${pageSize} bytes): the file was cut short (a copy that did not finish, a full disk)`
}
