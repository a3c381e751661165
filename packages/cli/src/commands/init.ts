import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { CliError } from '../errors.js'

const template = (
  adminToken: string,
) => `# Rio's settings. Point RIO_CONF at this directory to use them from anywhere:
#   export RIO_CONF=${'{dir}'}
# Flags win over RIO_* environment variables, which win over this file.

# The SQLite file (relative to this directory). Back it up like any database.
database: ./rio.db

# Where \`rio start\` listens. 8009 is Rio's port; bind 0.0.0.0 to accept other hosts.
port: 8009
host: 127.0.0.1

# Bearer token of the management API (/api/v1/...) and the dashboard's login. Keep it secret:
# anyone holding it can read every event and re-trigger deliveries. Rotate by editing it here.
adminToken: ${adminToken}

# The URL other services reach this Rio at, used in the DSNs that \`rio sender create\` prints
# (default: http://<host>:<port>).
# publicUrl: https://rio.example.com

# When the dashboard's cookies are marked Secure (sent over https only): auto (when this server
# speaks https, publicUrl starts with https:, or trustProxy is set and the proxy sends
# X-Forwarded-Proto: https), true or false. Without trustProxy, X-Forwarded-Proto is not read.
# secureCookies: auto

# How many reverse proxies (nginx, a load balancer, a CDN) sit in front of Rio. Failed sign-ins are
# limited per client address; behind proxies every client has the proxy's address, so one client's
# wrong guesses lock out all. With N, the address the proxies wrote into X-Forwarded-For (the Nth
# from the right) counts instead. Set exactly the number you run: more lets clients choose their
# own address. 0 never reads the header.
# trustProxy: 0

# What clients may send and hold (the defaults suit a client on a 64 kbit/s link sending a full
# body). Bodies over maxBodyBytes get 413; headers or whole requests sent more slowly than the
# timeouts (ms, 0 for none) get 408; connections past maxConnections are closed at once; request
# bodies arriving at once past maxBufferedBodyBytes get 503 (rio-client retries it).
# maxBodyBytes: 1048576
# headersTimeoutMs: 20000
# requestTimeoutMs: 152000     # default: headersTimeoutMs + 1 s per 8000 bytes of maxBodyBytes
# maxConnections: 10000
# maxBufferedBodyBytes: 134217728

# trace, debug (REQUEST/RESPONSE lines), info (EMIT lines), warn (retries), error (dead deliveries)
logLevel: info
# json for machines, pretty for people
logFormat: json
`

/** `rio init [dir]`: writes a commented rio.yaml with a generated admin token. */
export function addInit(program: Command): void {
  program
    .command('init')
    .argument('[dir]', 'directory for rio.yaml (and, by default, the database)', '.')
    .option('--force', 'overwrite an existing rio.yaml')
    .description('write a commented config file with a generated admin token')
    .action((dir: string, options: { force?: boolean }) => {
      const target = resolve(dir)
      const file = join(target, 'rio.yaml')
      if (existsSync(file) && !options.force) {
        throw new CliError(
          `${file} exists; pass --force to overwrite it`,
          undefined,
          'overwriting replaces the admin token: anything using the old one must be given the new one',
        )
      }
      // A directory made here is its owner's only, as the files Rio writes into it are (rio.yaml,
      // and the database by default); an existing one keeps its mode.
      mkdirSync(target, { recursive: true, mode: 0o700 })
      const token = randomBytes(32).toString('base64url')
      // `mode` applies only to a new file: an overwritten one keeps its permissions, so narrow them
      // before the new token is written, or it could land in a world-readable file. A file shared
      // with its group alone (0640, 0660) was shared on purpose, with operators: it stays so.
      if (existsSync(file)) {
        const mode = statSync(file).mode & 0o777
        chmodSync(file, mode & 0o007 ? 0o600 : mode & 0o770)
      }
      writeFileSync(file, template(token).replace('{dir}', target), { mode: 0o600 })
      process.stdout.write(`wrote ${file}\nuse it with: export RIO_CONF=${target}\n`)
    })
}
