import { DsnError } from './errors.js'

/**
 * A parsed DSN: where a Rio server is and how to authenticate to it. Returned by {@link parseDsn}.
 *
 * `toString()`, `JSON.stringify()` and `console.log()` show {@link Dsn.redacted}, never the secret.
 */
export interface Dsn {
  /** `http` or `https`. */
  readonly protocol: 'http' | 'https'
  /** Host name or address, lower-cased; IPv6 addresses keep their brackets (`[::1]`). */
  readonly host: string
  /** The port; 443 for `https` and 80 for `http` when the DSN names none. */
  readonly port: number
  /** Path segments before the version and project, with a leading slash (`/rio`); `''` when none. */
  readonly prefix: string
  /** The numeric segment just before the project (`1` in `…/1/shop`), sent as `X-Rio-Protocol`. */
  readonly version: string | undefined
  /** The project events are emitted into: the last path segment. */
  readonly project: string
  /** The sender's name, URL-decoded. */
  readonly sender: string
  /** The sender's secret, URL-decoded. Not an own property: it stays out of logs and JSON. */
  readonly secret: string
  /** `scheme://host:port` plus the prefix: where the HTTP API lives. Holds no credentials. */
  readonly baseUrl: string
  /** The DSN with its secret replaced by `***`, safe to log. */
  readonly redacted: string
  /** The same as {@link Dsn.redacted}. */
  toString(): string
}

const SUPPORTED = ['http', 'https'] as const
const DEFAULT_PORT = { http: 80, https: 443 } as const
const PROJECT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const VERSION = /^\d{1,9}$/
const EXAMPLE = 'https://<sender>:<secret>@rio.example.org/<project>'
const inspect = Symbol.for('nodejs.util.inspect.custom')
const NAMED_CHARACTERS: Readonly<Record<string, string>> = {
  ' ': 'a space',
  '\t': 'a tab',
  '\n': 'a line break',
  '\r': 'a carriage return',
  '\\': 'a backslash',
}

class ParsedDsn implements Dsn {
  readonly protocol: 'http' | 'https'
  readonly host: string
  readonly port: number
  readonly prefix: string
  readonly version: string | undefined
  readonly project: string
  readonly sender: string
  readonly baseUrl: string
  readonly #secret: string

  constructor(parts: Omit<Dsn, 'baseUrl' | 'redacted' | 'toString'>) {
    this.protocol = parts.protocol
    this.host = parts.host
    this.port = parts.port
    this.prefix = parts.prefix
    this.version = parts.version
    this.project = parts.project
    this.sender = parts.sender
    this.#secret = parts.secret
    this.baseUrl = `${parts.protocol}://${parts.host}:${parts.port}${parts.prefix}`
  }

  get secret(): string {
    return this.#secret
  }

  get redacted(): string {
    const version = this.version === undefined ? '' : `/${this.version}`
    return `${this.protocol}://${encodeURIComponent(this.sender)}:***@${this.host}:${this.port}${this.prefix}${version}/${this.project}`
  }

  toString(): string {
    return this.redacted
  }

  toJSON(): string {
    return this.redacted
  }

  [inspect](): string {
    return `Dsn(${this.redacted})`
  }
}

/**
 * Parses a Rio DSN: `http[s]://<sender>:<secret>@<host>[:port][/<prefix>][/<version>]/<project>`.
 *
 * Both forms Rio has used are accepted: `https://shop:s3cret@rio.example.org/shop` and the
 * original SDK's `http://shop:s3cret@rio.example.org:8000/1/shop`, where a numeric segment just
 * before the project is the protocol version. Other leading segments are a path prefix (Rio
 * behind a reverse proxy at `/rio`). Sender and secret are URL-decoded (a ":" may be in the secret,
 * never in the sender); surrounding whitespace
 * (a stray newline from an env file) is ignored.
 *
 * @param dsn - the DSN, usually `process.env.RIO_DSN`
 * @returns the parts; its `toString()` masks the secret
 * @throws {@link DsnError} (and nothing else, whatever the input) naming what is wrong: `not_a_url`,
 *   `unsupported_scheme`, `no_credentials`, `no_sender`, `no_secret`, `bad_sender` (a ":" in the
 *   sender, which HTTP Basic auth cannot carry), `bad_encoding`, `no_host`,
 *   `bad_port`, `query_or_fragment`, `no_project`, `bad_project`, or `missing` for an empty string
 * @example
 * ```ts
 * const dsn = parseDsn('https://shop:s3cret@rio.example.org/rio/1/shop')
 * dsn.baseUrl // 'https://rio.example.org:443/rio'
 * dsn.version // '1'
 * String(dsn) // 'https://shop:***@rio.example.org:443/rio/1/shop'
 * ```
 */
export function parseDsn(dsn: string): Dsn {
  if (typeof dsn !== 'string') {
    throw new DsnError('not_a_url', `a DSN must be a string like "${EXAMPLE}", got ${describeType(dsn)}`)
  }
  const text = dsn.trim()
  if (text === '') {
    throw new DsnError('missing', `the DSN is empty; set it to a URL like "${EXAMPLE}"`)
  }
  const shown = redactText(text)
  // `docker run --env-file` and some CI settings keep the quotes of RIO_DSN="…" as part of the value.
  if (/^(["'`]).*\1$/s.test(text)) {
    throw new DsnError(
      'not_a_url',
      `DSN ${shown} is not a URL: it is wrapped in quotes; remove them (an env file may keep them as part of the value)`,
    )
  }
  // WHATWG URL silently drops tabs and newlines and reads "\" as "/"; refuse rather than guess.
  const unsafe = /[\s\u0000-\u001f\u007f\\]/.exec(text)
  if (unsafe !== null) throw unsafeCharacter(text, unsafe.index, shown)
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase()
  if (scheme === undefined || !text.slice(scheme.length + 1).startsWith('//')) {
    throw new DsnError('not_a_url', `DSN "${shown}" is not a URL: it must look like "${EXAMPLE}"`)
  }
  const protocol = SUPPORTED.find((supported) => supported === scheme)
  if (protocol === undefined) {
    throw new DsnError(
      'unsupported_scheme',
      `DSN "${shown}" uses the scheme "${scheme}:"; Rio speaks only http:// and https://`,
    )
  }

  const rest = text.slice(scheme.length + 3)
  const authorityEnd = firstIndexOf(rest, '/?#')
  const authority = rest.slice(0, authorityEnd)
  const at = authority.lastIndexOf('@')
  const afterAuthority = rest.slice(authorityEnd)
  if (/[?#]/.test(afterAuthority)) {
    const extra = afterAuthority.slice(firstIndexOf(afterAuthority, '?#'))
    // A "?" or "#" before the last "@" is most likely a raw character in the secret: never echo it.
    const inCredentials = rest.lastIndexOf('@') > authorityEnd
    throw new DsnError(
      'query_or_fragment',
      inCredentials
        ? `DSN "${protocol}://…" has a "?" or "#" before its "@": percent-encode them in the sender or secret (%3F, %23)`
        : `DSN "${shown}" ends in "${truncate(extra)}": a Rio DSN has no query or fragment; remove it`,
    )
  }
  if (at < 0 && rest.includes('@')) {
    throw new DsnError(
      'bad_encoding',
      `DSN "${shown}" has a "/" before its "@": percent-encode it in the sender or secret as %2F`,
    )
  }
  if (at < 0) {
    const looksLikeSecret = shown.includes(':***')
    throw new DsnError(
      'no_credentials',
      looksLikeSecret
        ? `DSN "${shown}" has no credentials: it has no "@", so what follows the ":" would be a port; put the sender and secret before an "@" and the host, as in "${EXAMPLE}"`
        : `DSN "${shown}" has no credentials: put the sender and secret before the host, as in "${EXAMPLE}"`,
    )
  }
  const { sender, secret } = credentials(authority.slice(0, at), shown)
  const { host, port } = hostAndPort(protocol, authority.slice(at + 1), shown)

  let url: URL
  try {
    url = new URL(`${protocol}://${host}:${port}${afterAuthority}`)
  } catch (cause) {
    throw new DsnError('not_a_url', `DSN "${shown}" is not a URL: the host "${truncate(host)}" is invalid`, {
      cause,
    })
  }
  const segments = url.pathname.split('/').filter((segment) => segment !== '')
  const project = segments.pop()
  if (project === undefined) {
    throw new DsnError(
      'no_project',
      `DSN "${shown}" names no project: add it as the last path segment, as in "${EXAMPLE}"`,
    )
  }
  if (!PROJECT.test(project)) {
    throw new DsnError(
      'bad_project',
      `DSN "${shown}" names the project "${truncate(project)}": a project name starts with a letter or digit and holds only letters, digits, ".", "_", ":" and "-" (at most 128)`,
    )
  }
  const last = segments.at(-1)
  const version = last !== undefined && VERSION.test(last) ? segments.pop() : undefined
  return new ParsedDsn({
    protocol,
    host: url.hostname,
    port,
    prefix: segments.length > 0 ? `/${segments.join('/')}` : '',
    version,
    project,
    sender,
    secret,
  })
}

/**
 * Whether a value is a {@link Dsn} made by {@link parseDsn} (and so already validated).
 * @internal
 */
export function isDsn(value: unknown): value is Dsn {
  return value instanceof ParsedDsn
}

function credentials(userinfo: string, shown: string): { sender: string; secret: string } {
  const colon = userinfo.indexOf(':')
  if (userinfo === '' || userinfo === ':') {
    throw new DsnError(
      'no_credentials',
      `DSN "${shown}" has an empty "@" part: put the sender and secret there, as in "${EXAMPLE}"`,
    )
  }
  const rawSender = colon < 0 ? userinfo : userinfo.slice(0, colon)
  const rawSecret = colon < 0 ? '' : userinfo.slice(colon + 1)
  if (rawSender === '') {
    throw new DsnError('no_sender', `DSN "${shown}" has a secret but no sender name before the ":"`)
  }
  if (rawSecret === '') {
    throw new DsnError(
      'no_secret',
      `DSN "${shown}" has the sender "${truncate(rawSender)}" but no secret: write "<sender>:<secret>@"`,
    )
  }
  const sender = decode(rawSender, 'sender', shown)
  // Basic auth joins user and password with the first ":" (RFC 7617 §2): "a:b" + "k" reads as "a" + "b:k".
  if (sender.includes(':')) {
    throw new DsnError(
      'bad_sender',
      `DSN "${shown}" has the sender "${truncate(sender)}" once decoded: a sender cannot hold a ":", which HTTP Basic auth (RFC 7617) reads as the end of the user name, and no Rio sender name has one; write the sender's name as Rio created it (a ":" may only be in the secret)`,
    )
  }
  return { sender, secret: decode(rawSecret, 'secret', shown) }
}

function decode(raw: string, what: 'sender' | 'secret', shown: string): string {
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch (cause) {
    throw new DsnError(
      'bad_encoding',
      `DSN "${shown}": the ${what} holds a "%" that starts no valid escape; write a literal "%" as %25`,
      { cause },
    )
  }
  // Only a raw one gets here (an escaped one is not valid UTF-8): HTTP Basic sends UTF-8, where it
  // becomes U+FFFD, so such credentials could never match, and the DSN could not be printed again.
  if (/\p{Cs}/u.test(decoded)) {
    throw new DsnError(
      'bad_encoding',
      `DSN "${shown}": the ${what} holds a lone UTF-16 surrogate, which is not text; copy the DSN again as Rio printed it`,
    )
  }
  return decoded
}

function hostAndPort(
  protocol: 'http' | 'https',
  hostPort: string,
  shown: string,
): { host: string; port: number } {
  let host: string
  let portText: string | undefined
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']')
    host = close < 0 ? hostPort : hostPort.slice(0, close + 1)
    const after = close < 0 ? '' : hostPort.slice(close + 1)
    if (after !== '' && !after.startsWith(':')) {
      throw new DsnError(
        'not_a_url',
        `DSN "${shown}" is not a URL: unexpected "${truncate(after)}" after "${host}"`,
      )
    }
    portText = after === '' ? undefined : after.slice(1)
  } else {
    const colon = hostPort.indexOf(':')
    host = colon < 0 ? hostPort : hostPort.slice(0, colon)
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1)
  }
  if (host === '' || host === '[]') {
    throw new DsnError('no_host', `DSN "${shown}" has no host after the "@", as in "${EXAMPLE}"`)
  }
  if (portText === undefined || portText === '') return { host, port: DEFAULT_PORT[protocol] }
  // Leading zeros are allowed, as by WHATWG URL and the original SDK's int(): "008080" is 8080.
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN
  if (!(port >= 1 && port <= 65_535)) {
    throw new DsnError(
      'bad_port',
      `DSN "${shown}" has the port "${truncate(portText)}": a port is a number from 1 to 65535 (or leave it out for ${DEFAULT_PORT[protocol]})`,
    )
  }
  return { host, port }
}

/**
 * The error for whitespace, a control character or a backslash at `index`, naming the part that
 * holds it: the sender or secret can carry it percent-encoded; the host, port and path cannot (the
 * original SDK's `int()` read the port " 80" as 80, so that one is a `bad_port`).
 */
function unsafeCharacter(text: string, index: number, shown: string): DsnError {
  const character = text[index]!
  const what = NAMED_CHARACTERS[character] ?? `the character U+${hex(character)}`
  const schemeEnd = text.indexOf('://')
  const start = schemeEnd < 0 ? text.length : schemeEnd + 3
  // As in redactText: whatever sits before the last "@" is the sender and secret.
  const at = text.lastIndexOf('@')
  if (index < start) {
    return new DsnError('not_a_url', `DSN "${shown}" is not a URL: it holds ${what}; remove it`)
  }
  if (index < at) {
    return new DsnError(
      'not_a_url',
      `DSN "${shown}" is not a URL: its sender or secret holds ${what}: percent-encode it as ${encodeURIComponent(character)}`,
    )
  }
  const hostStart = Math.max(start, at + 1)
  const hostEnd = hostStart + firstIndexOf(text.slice(hostStart), '/?#')
  if (index >= hostEnd) {
    return new DsnError(
      'not_a_url',
      `DSN "${shown}" is not a URL: its path "${truncate(text.slice(hostEnd))}" holds ${what}; remove it`,
    )
  }
  const hostPort = text.slice(hostStart, hostEnd)
  const close = hostPort.startsWith('[') ? hostPort.indexOf(']') : -1
  // An unclosed "[" leaves no port to find: its ":" belong to the IPv6 address.
  const colon = hostPort.startsWith('[') && close < 0 ? -1 : hostPort.indexOf(':', close + 1)
  if (colon >= 0 && index > hostStart + colon) {
    // With no "@" at all, a "port" like "s3cret pw" is most likely a secret: not echoed (redactText).
    const port = at < start ? 'after the ":"' : `"${truncate(hostPort.slice(colon + 1))}"`
    return new DsnError(
      'bad_port',
      `DSN "${shown}" has the port ${port}: a port is a number from 1 to 65535, with no spaces (or leave it out for 80 with http, 443 with https)`,
    )
  }
  return new DsnError(
    'not_a_url',
    `DSN "${shown}" is not a URL: its host "${truncate(colon < 0 ? hostPort : hostPort.slice(0, colon))}" holds ${what}; remove it`,
  )
}

function hex(character: string): string {
  return character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
}

/** The DSN with whatever sits between the sender's ":" and the last "@" masked. */
function redactText(text: string): string {
  const schemeEnd = text.indexOf('://')
  const start = schemeEnd < 0 ? 0 : schemeEnd + 3
  const at = text.lastIndexOf('@')
  if (at < start) {
    // No "@": `http://sender:secret/project` with the host forgotten reads as a host and a port.
    // What follows the ":" is not a port, so it is most likely the secret: masked too.
    const end = start + firstIndexOf(text.slice(start), '/?#')
    const colon = text.indexOf(':', start)
    if (colon < 0 || colon > end || /^\d*$/.test(text.slice(colon + 1, end))) return truncate(text, 200)
    return truncate(`${text.slice(0, colon + 1)}***${text.slice(end)}`, 200)
  }
  const colon = text.indexOf(':', start)
  const masked = colon < 0 || colon > at ? text : `${text.slice(0, colon + 1)}***${text.slice(at)}`
  return truncate(masked, 200)
}

function firstIndexOf(text: string, characters: string): number {
  for (let i = 0; i < text.length; i++) if (characters.includes(text[i]!)) return i
  return text.length
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : typeof value
}
