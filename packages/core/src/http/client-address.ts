import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { RioValidationError } from '../errors.js'

/** Most reverse proxies `trustProxy` may name; more is a configuration mistake, not a topology. */
export const MAX_TRUST_PROXY = 10

/** `[v6]` or `[v6]:port`, as some proxies write an IPv6 peer. */
const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/
/** `v4:port`; a bare IPv6 address with a port cannot be told from one without, so is not stripped. */
const IPV4_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/

/**
 * The address of the client a request came from, for per-client limits. Without trusted proxies
 * (`trustProxy` 0, the default) it is the TCP peer address; `X-Forwarded-For` is not read, since
 * any client can send it. With `trustProxy` N, the reverse proxies in front of the server are
 * trusted to append the address each received a connection from: the list
 * `[...X-Forwarded-For entries, peer address]` (several headers count in order) is read from the
 * right, and the entry N positions left of the peer address is the client. Entries further left
 * were written by the client itself and are ignored; when the list is shorter, its leftmost entry
 * is taken. An entry that is not an IP address (after removing `[…]`, an IPv4 `:port` or an IPv6
 * zone id) is not trusted: the peer address is taken instead.
 *
 * N must be the number of proxies actually in front: more lets a client choose its own address by
 * sending the header, fewer gives every client the address of a proxy.
 * @param req - the request, as `node:http` (or Express, Fastify's `req.raw`) gives it
 * @param trustProxy - how many reverse proxies sit in front of the server, 0 to 10. @default 0
 * @returns the client's IP address, or `undefined` when the connection has already closed
 * @throws {@link RioValidationError} (`invalid_options`) when `trustProxy` is not an integer from 0 to 10
 * @example
 * ```ts
 * import { clientAddress } from '@rio/core'
 * // behind one nginx that sets `X-Forwarded-For $proxy_add_x_forwarded_for`
 * createServer((req, res) => res.end(clientAddress(req, 1)))
 * ```
 */
export function clientAddress(req: IncomingMessage, trustProxy = 0): string | undefined {
  if (!Number.isInteger(trustProxy) || trustProxy < 0 || trustProxy > MAX_TRUST_PROXY) {
    throw new RioValidationError(
      'invalid_options',
      `trustProxy must be an integer from 0 to ${MAX_TRUST_PROXY} (the number of reverse proxies in front of the server); got ${String(trustProxy)}`,
    )
  }
  const peer = req.socket.remoteAddress
  if (trustProxy === 0) return peer
  const header = req.headers['x-forwarded-for']
  if (header === undefined) return peer
  const forwarded = (Array.isArray(header) ? header : [header]).flatMap((value) =>
    value.split(',').map((entry) => entry.trim()),
  )
  // The list is forwarded + [peer]; the client sits trustProxy places left of the peer.
  const chosen = forwarded[Math.max(0, forwarded.length - trustProxy)] ?? ''
  return ipAddress(chosen) ?? peer
}

/** `entry` as a bare IP address, or null when it is none (then it is not trusted). */
function ipAddress(entry: string): string | null {
  const bracketed = BRACKETED.exec(entry)
  if (bracketed) return ipv6(bracketed[1]!)
  const withPort = IPV4_PORT.exec(entry)
  if (withPort) return isIP(withPort[1]!) === 4 ? withPort[1]! : null
  if (isIP(entry) === 4) return entry
  return ipv6(entry)
}

function ipv6(text: string): string | null {
  const address = text.replace(/%[^%]*$/, '').toLowerCase()
  return isIP(address) === 6 ? address : null
}

/**
 * Whom a per-client limit (failed sign-ins to the API or the dashboard) counts a request against:
 * the {@link clientAddress} as an IPv4 address (an IPv4-mapped IPv6 address, `::ffff:192.0.2.7` on
 * a dual-stack server, as the IPv4 address it is), or the /64 network of an IPv6 address. A host is
 * routinely given a whole /64: counted per address, it could pick a new source address for every
 * guess and never be limited.
 * @param req - the request
 * @param trustProxy - as for {@link clientAddress} @default 0
 * @returns `203.0.113.7`, `2001:db8:1:2::/64`, or `unknown` when the connection has closed
 * @throws {@link RioValidationError} (`invalid_options`) for a bad `trustProxy`
 */
export function clientKey(req: IncomingMessage, trustProxy = 0): string {
  const remoteAddress = clientAddress(req, trustProxy)
  if (!remoteAddress) return 'unknown'
  if (!remoteAddress.includes(':')) return remoteAddress
  const address = remoteAddress.replace(/%.*$/, '').toLowerCase()
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address)
  if (mapped) return mapped[1]!
  const [head = '', tail] = address.split('::')
  const front = head ? head.split(':') : []
  const back = tail ? tail.split(':') : []
  // An embedded IPv4 address (`::1.2.3.4`) takes the last two groups.
  const groups = back.at(-1)?.includes('.') ? back.length + 1 : back.length
  const all = [...front, ...Array<string>(Math.max(0, 8 - front.length - groups)).fill('0'), ...back]
  const prefix = all.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16))
  return `${prefix.join(':')}::/64`
}
