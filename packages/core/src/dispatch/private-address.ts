import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

// IANA special-purpose registries: every block that is not globally reachable (or reaches only the
// network Rio runs in), https://www.iana.org/assignments/iana-ipv4-special-registry and
// https://www.iana.org/assignments/iana-ipv6-special-registry.
const blockedV4 = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blockedV4.addSubnet(net, prefix, 'ipv4')
}
const blockedV6 = new BlockList()
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible (deprecated)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b:1::', 48], // local-use NAT64: translates to the operator's own IPv4 networks
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID…
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blockedV6.addSubnet(net, prefix, 'ipv6')
}

/**
 * Whether an IP address is one a multi-tenant deployment should not let webhooks reach: loopback,
 * private, link-local, CGNAT, unspecified, multicast, documentation and reserved blocks, and IPv6
 * forms that carry such an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`), in any spelling (`::ffff:7f00:1`, `0:0:0:0:0:ffff:127.0.0.1`).
 * @param address - an IPv4 or IPv6 address (no brackets; an IPv6 zone `%eth0` is ignored)
 * @returns true for blocked addresses; false for public ones and for anything that is not an IP
 * @example
 * ```ts
 * isPrivateAddress('169.254.169.254') // true
 * isPrivateAddress('2002:a00:1::') // true: 6to4 for 10.0.0.1
 * isPrivateAddress('8.8.8.8') // false
 * ```
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return blockedV4.check(address, 'ipv4')
  if (family === 0) return false
  const groups = ipv6Groups(address.replace(/%.*$/, ''))
  // An address isIP accepts and the URL parser does not: refuse rather than guess.
  if (groups === null) return true
  const [a, b, c, d, e, f, g, h] = groups as [number, number, number, number, number, number, number, number]
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) return isPrivateV4(g, h) // ::ffff:0:0/96
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return isPrivateV4(g, h) // 64:ff9b::/96
  if (a === 0x2002) return isPrivateV4(b, c) // 6to4
  return blockedV6.check(groups.map((n) => n.toString(16)).join(':'), 'ipv6')
}

function isPrivateV4(high: number, low: number): boolean {
  return blockedV4.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4')
}

/** The eight 16-bit groups of an IPv6 address, or null when the URL parser refuses it. */
function ipv6Groups(address: string): number[] | null {
  let canonical: string
  try {
    // The WHATWG parser's serialisation: lower-case hex, `::` compression, no dotted quad.
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1)
  } catch {
    return null
  }
  const [head = '', tail] = canonical.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16))
}

/** Raised inside the connector; recognised by its code when undici hands it back. */
export class BlockedAddressError extends Error {
  readonly code = 'ERR_RIO_BLOCKED_ADDRESS'
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * Wraps a `dns.lookup`-style function for the connector so that it refuses the whole answer when any
 * address is private: the socket connects only to addresses that passed, so a name cannot resolve
 * "public" for a check and "private" for the connection (DNS rebinding), and a name with one public
 * and one private address cannot reach the private one through Happy Eyeballs.
 * @param lookup - the resolver to guard. @default dns.lookup
 * @returns a lookup for `net.connect` / undici's `connect.lookup`
 */
export function guardedLookup(lookup: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (error, answer) => {
      if (error) return callback(error, [])
      const addresses: LookupAddress[] = Array.isArray(answer)
        ? answer
        : [{ address: answer, family: isIP(answer) }]
      const bad = addresses.find((a) => isIP(a.address) === 0 || isPrivateAddress(a.address))
      if (bad || addresses.length === 0) {
        const what = bad ? `${bad.address}, a private address` : 'no address'
        return callback(
          new BlockedAddressError(
            `${hostname} resolves to ${what}; blockPrivateAddresses allows only public addresses`,
          ),
          [],
        )
      }
      if (options.all) return callback(null, addresses)
      const first = addresses[0]!
      callback(null, first.address, first.family)
    })
  }
}
