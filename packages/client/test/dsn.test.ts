import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { type Dsn, DsnError, type DsnErrorReason, parseDsn, RioClientError } from '../src/index.ts'

type Parts = Omit<Dsn, 'redacted' | 'toString'>

const good: [string, Parts][] = [
  [
    'http://sender:secret@rio.intra.example.org/project',
    {
      protocol: 'http',
      host: 'rio.intra.example.org',
      port: 80,
      prefix: '',
      version: undefined,
      project: 'project',
      sender: 'sender',
      secret: 'secret',
      baseUrl: 'http://rio.intra.example.org:80',
    },
  ],
  [
    'http://sender:secret@localhost:8000/1/project',
    {
      protocol: 'http',
      host: 'localhost',
      port: 8000,
      prefix: '',
      version: '1',
      project: 'project',
      sender: 'sender',
      secret: 'secret',
      baseUrl: 'http://localhost:8000',
    },
  ],
  [
    'https://s:k@host/rio/1/proj',
    {
      protocol: 'https',
      host: 'host',
      port: 443,
      prefix: '/rio',
      version: '1',
      project: 'proj',
      sender: 's',
      secret: 'k',
      baseUrl: 'https://host:443/rio',
    },
  ],
  [
    'https://s:k@host/rio/proj',
    {
      protocol: 'https',
      host: 'host',
      port: 443,
      prefix: '/rio',
      version: undefined,
      project: 'proj',
      sender: 's',
      secret: 'k',
      baseUrl: 'https://host:443/rio',
    },
  ],
  [
    'HTTPS://S:K@Rio.Example.ORG:8443/a/b/2/shop.eu:orders/',
    {
      protocol: 'https',
      host: 'rio.example.org',
      port: 8443,
      prefix: '/a/b',
      version: '2',
      project: 'shop.eu:orders',
      sender: 'S',
      secret: 'K',
      baseUrl: 'https://rio.example.org:8443/a/b',
    },
  ],
  [
    'http://my%20app:p%40ss%3Aw%2Frd%25@[::1]:9000/default',
    {
      protocol: 'http',
      host: '[::1]',
      port: 9000,
      prefix: '',
      version: undefined,
      project: 'default',
      sender: 'my app',
      secret: 'p@ss:w/rd%',
      baseUrl: 'http://[::1]:9000',
    },
  ],
  [
    '  http://sender:secret@127.0.0.1/1\n',
    {
      protocol: 'http',
      host: '127.0.0.1',
      port: 80,
      prefix: '',
      version: undefined,
      project: '1',
      sender: 'sender',
      secret: 'secret',
      baseUrl: 'http://127.0.0.1:80',
    },
  ],
  [
    'http://sender:sec:ret@host:80/rio/10/p',
    {
      protocol: 'http',
      host: 'host',
      port: 80,
      prefix: '/rio',
      version: '10',
      project: 'p',
      sender: 'sender',
      secret: 'sec:ret',
      baseUrl: 'http://host:80/rio',
    },
  ],
]

describe('parseDsn', () => {
  it.each(good)('parses %s', (text, parts) => {
    const dsn = parseDsn(text)
    expect({ ...dsn, secret: dsn.secret }).toEqual(parts)
  })

  it('defaults the port to 443 for https, unlike the original SDK', () => {
    expect(parseDsn('https://s:k@rio.example.org/p').port).toBe(443)
    expect(parseDsn('http://s:k@rio.example.org/p').port).toBe(80)
  })

  it('reads a port with leading zeros as its number, as URL parsers and the original SDK do', () => {
    expect(parseDsn('http://s:k@host:008080/1/p').port).toBe(8080)
    expect(parseDsn('https://s:k@host:0000000443/p').baseUrl).toBe('https://host:443')
    expect(() => parseDsn('http://s:k@host:0000000/p')).toThrow(/the port "0000000": a port is a number/)
  })

  // What rio_client (Python, 0.1.2+: urlparse, then requests' Basic auth from the URL) sent each to.
  const original: [
    string,
    { baseUrl: string; version?: string; project: string; sender: string; secret: string },
  ][] = [
    // tests/test_client.py
    [
      'http://sender:password@domain:8080/1/project',
      {
        baseUrl: 'http://domain:8080',
        version: '1',
        project: 'project',
        sender: 'sender',
        secret: 'password',
      },
    ],
    // examples/flask_app.py (app.config['RIO_DSN'])
    [
      'http://docker:dummy@192.168.99.100:5010/1/project',
      {
        baseUrl: 'http://192.168.99.100:5010',
        version: '1',
        project: 'project',
        sender: 'docker',
        secret: 'dummy',
      },
    ],
    // Rio's docs/introduction.rst: no port
    [
      'http://sender:*********@rio.intra.example.org/1/project',
      {
        baseUrl: 'http://rio.intra.example.org:80',
        version: '1',
        project: 'project',
        sender: 'sender',
        secret: '*********',
      },
    ],
    [
      'HTTP://s:k@HOST:8080/2/p',
      { baseUrl: 'http://host:8080', version: '2', project: 'p', sender: 's', secret: 'k' },
    ],
    [
      'http://s:k@host:/01/p',
      { baseUrl: 'http://host:80', version: '01', project: 'p', sender: 's', secret: 'k' },
    ],
    // requests decodes the credentials it takes from the URL, raw "@" and ":" included
    [
      'http://se%6Eder:p%40ss%2Fw%20rd@host/1/p',
      { baseUrl: 'http://host:80', version: '1', project: 'p', sender: 'sender', secret: 'p@ss/w rd' },
    ],
    [
      'http://a@b:s:e@c@host/1/p',
      { baseUrl: 'http://host:80', version: '1', project: 'p', sender: 'a@b', secret: 's:e@c' },
    ],
    [
      'http://s:a+b@host/1/p',
      { baseUrl: 'http://host:80', version: '1', project: 'p', sender: 's', secret: 'a+b' },
    ],
    [
      'http://s:s%C3%A9cr%C3%A8t@host/1/p',
      { baseUrl: 'http://host:80', version: '1', project: 'p', sender: 's', secret: 'sécrèt' },
    ],
  ]

  it.each(original)('reads the original SDK DSN %s as it did', (text, expected) => {
    const dsn = parseDsn(text)
    expect({
      baseUrl: dsn.baseUrl,
      ...(dsn.version === undefined ? {} : { version: dsn.version }),
      project: dsn.project,
      sender: dsn.sender,
      secret: dsn.secret,
    }).toEqual(expected)
  })

  it('never shows the secret in toString, JSON, inspect or its own keys', () => {
    const dsn = parseDsn('https://shop:t0p-s3cret@rio.example.org/rio/1/shop')
    expect(dsn.redacted).toBe('https://shop:***@rio.example.org:443/rio/1/shop')
    expect(String(dsn)).toBe(dsn.redacted)
    expect(`${dsn}`).toBe(dsn.redacted)
    expect(JSON.stringify(dsn)).toBe(JSON.stringify(dsn.redacted))
    expect(inspect(dsn)).toBe('Dsn(https://shop:***@rio.example.org:443/rio/1/shop)')
    expect(inspect({ nested: dsn }, { depth: 5 })).not.toContain('t0p-s3cret')
    expect(Object.values(dsn)).not.toContain('t0p-s3cret')
    expect(dsn.secret).toBe('t0p-s3cret')
  })

  const bad: [string, DsnErrorReason, RegExp][] = [
    ['', 'missing', /the DSN is empty/],
    ['   ', 'missing', /the DSN is empty/],
    ['rio.example.org/project', 'not_a_url', /is not a URL: it must look like/],
    ['http:/s:k@host/p', 'not_a_url', /is not a URL/],
    ['http://s:k@ho st/p', 'not_a_url', /its host "ho st" holds a space; remove it/],
    ['http://s:a b@host/p', 'not_a_url', /its sender or secret holds a space: percent-encode it as %20/],
    ['http://s:a\tb@host/p', 'not_a_url', /its sender or secret holds a tab: percent-encode it as %09/],
    [
      'http://s:k@host: 80/1/p',
      'bad_port',
      /has the port " 80": a port is a number from 1 to 65535, with no spaces/,
    ],
    ['http://s:k@[::1]:80 /1/p', 'bad_port', /has the port "80 "/],
    ['http://s:k@host/1/my project', 'not_a_url', /its path "\/1\/my project" holds a space; remove it/],
    ['ht tp://s:k@host/p', 'not_a_url', /is not a URL: it holds a space; remove it/],
    [
      '"http://s:k@host/p"',
      'not_a_url',
      /^DSN "http:\/\/s:\*\*\*@host\/p" is not a URL: it is wrapped in quotes; remove them/,
    ],
    ["'http://s:k@host/p'", 'not_a_url', /wrapped in quotes/],
    ['http://s:k@host\\p', 'not_a_url', /its host "host\\p" holds a backslash; remove it/],
    ['http://s:k@exa%mple.org/p', 'not_a_url', /the host "exa%mple.org" is invalid/],
    [
      'ftp://s:k@host/p',
      'unsupported_scheme',
      /uses the scheme "ftp:"; Rio speaks only http:\/\/ and https:\/\//,
    ],
    ['redis://s:k@host/p', 'unsupported_scheme', /"redis:"/],
    [
      'http://host/project',
      'no_credentials',
      /"http:\/\/host\/project" has no credentials: put the sender and secret/,
    ],
    ['http://@host/project', 'no_credentials', /empty "@" part/],
    [
      'http://shop:PW5ecret/shop',
      'no_credentials',
      /^DSN "http:\/\/shop:\*\*\*\/shop" has no credentials: it has no "@", so what follows the ":" would be a port/,
    ],
    [
      'http://shop:8080/shop',
      'no_credentials',
      /^DSN "http:\/\/shop:8080\/shop" has no credentials: put the sender/,
    ],
    ['http://:secret@host/project', 'no_sender', /has a secret but no sender name/],
    ['http://sender@host/project', 'no_secret', /has the sender "sender" but no secret/],
    ['http://sender:@host/project', 'no_secret', /no secret/],
    [
      'http://a%3Ab:secret@host/p',
      'bad_sender',
      /"http:\/\/a%3Ab:\*\*\*@host\/p" has the sender "a:b" once decoded: a sender cannot hold a ":", which HTTP Basic auth \(RFC 7617\) reads as the end of the user name/,
    ],
    ['http://shop%3a:k@host/p', 'bad_sender', /the sender "shop:" once decoded/],
    ['http://s:%zz@host/p', 'bad_encoding', /the secret holds a "%" that starts no valid escape/],
    ['http://s:a/b@host/p', 'bad_encoding', /has a "\/" before its "@": percent-encode it/],
    ['http://s:k@/p', 'no_host', /has no host/],
    ['http://s:k@host:http/p', 'bad_port', /has the port "http": a port is a number from 1 to 65535/],
    ['http://s:k@host:0/p', 'bad_port', /the port "0"/],
    ['http://s:k@host:65536/p', 'bad_port', /the port "65536"/],
    ['http://s:k@host:-1/p', 'bad_port', /the port "-1"/],
    [
      'http://s:k@host/p?timeout=5',
      'query_or_fragment',
      /ends in "\?timeout=5": a Rio DSN has no query or fragment/,
    ],
    ['http://s:k@host/p#x', 'query_or_fragment', /ends in "#x"/],
    [
      'http://s:ab#cd@host/p',
      'query_or_fragment',
      /percent-encode them in the sender or secret \(%3F, %23\)/,
    ],
    ['http://s:k@host', 'no_project', /names no project: add it as the last path segment/],
    ['http://s:k@host/', 'no_project', /names no project/],
    [
      'http://s:k@host/rio/-bad',
      'bad_project',
      /the project "-bad": a project name starts with a letter or digit/,
    ],
    ['http://s:k@host/%41bc', 'bad_project', /the project "%41bc"/],
  ]

  it.each(bad)('refuses %j with %s', (text, reason, message) => {
    let caught: unknown
    try {
      parseDsn(text)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DsnError)
    expect(caught).toBeInstanceOf(RioClientError)
    const error = caught as DsnError
    expect(error.reason).toBe(reason)
    expect(error.code).toBe(reason === 'missing' ? 'dsn_missing' : 'dsn_invalid')
    expect(error.message).toMatch(message)
  })

  it('never puts the secret in an error message', () => {
    const secrets = [
      'hunter2-secret',
      'hunter2#secret',
      'hunter2/secret',
      'hunter2%zzsecret',
      'hunter2 secret',
    ]
    for (const secret of secrets) {
      for (const rest of ['host/p?x=1', 'host:99999/p', 'host', 'ho st/-p', 'host/-p']) {
        const text = `https://sender:${secret}@${rest}`
        expect(() => parseDsn(text)).toThrow(DsnError)
        try {
          parseDsn(text)
        } catch (error) {
          expect((error as Error).message).not.toContain('hunter2')
        }
      }
      // The "@host" forgotten: what follows the ":" reads as a port, but is the secret.
      for (const rest of ['/p', '', '?x=1', '#f', '/p?x', ' /p']) {
        const text = `https://sender:${secret}${rest}`
        expect(() => parseDsn(text)).toThrow(DsnError)
        try {
          parseDsn(text)
        } catch (error) {
          expect((error as Error).message).not.toContain('hunter2')
        }
      }
    }
  })

  it('refuses a value that is not a string with a DsnError', () => {
    expect(() => parseDsn(42 as unknown as string)).toThrow(/a DSN must be a string like .*, got number/)
    expect(() => parseDsn(null as unknown as string)).toThrow(DsnError)
  })
})
