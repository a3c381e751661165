// Rio behind https with a certificate Node's CA store does not hold (a private CA, self-signed):
// refused by default, reached the two ways the README documents.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, fetch } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { hasOpenssl, selfSignedCertificate } from '../../../test/support/self-signed.js'
import { Client } from '../src/index.ts'
import { rejection } from './support/rejection.js'

const script = fileURLToPath(new URL('./fixtures/sender-script.ts', import.meta.url))
const root = fileURLToPath(new URL('../../../', import.meta.url))
const cleanups: (() => unknown)[] = []

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function httpsRio(): Promise<{ dsn: string; cert: Buffer; requests: () => number }> {
  const { key, cert } = selfSignedCertificate()
  let requests = 0
  const server: Server = createServer({ key, cert }, (req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      res.writeHead(202, { 'content-type': 'application/json' })
      res.end('{"id":"evt_tls","duplicate":false}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as { port: number }
  return { dsn: `https://sender:secret@localhost:${port}/shop`, cert, requests: () => requests }
}

describe.skipIf(!hasOpenssl())('an https DSN with a self-signed certificate', () => {
  it('is refused by default, as a connection failure naming the certificate, with nothing sent', async () => {
    const rio = await httpsRio()
    const client = new Client({ dsn: rio.dsn, retries: 0 })
    cleanups.push(() => client.close())
    const error = await rejection(client.emit('a', 1))
    expect(error).toMatchObject({ code: 'connection_failed' })
    expect(error.message).toMatch(/self[- ]signed certificate/i)
    expect(rio.requests()).toBe(0)
  })

  it('is reached through a fetch that sends with an undici Agent trusting the certificate', async () => {
    const rio = await httpsRio()
    const agent = new Agent({ connect: { ca: rio.cert } })
    cleanups.push(() => agent.close())
    const client = new Client({
      dsn: rio.dsn,
      fetch: (url, init) => fetch(url, { ...init, dispatcher: agent }),
    })
    cleanups.push(() => client.close())
    await expect(client.emit('a', 1)).resolves.toEqual({ id: 'evt_tls', duplicate: false })
  })

  it('is reached by a process started with NODE_EXTRA_CA_CERTS, over undici and over fetch', async () => {
    const rio = await httpsRio()
    const dir = mkdtempSync(join(tmpdir(), 'rio-client-ca-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'ca.pem'), rio.cert)
    for (const options of [{}, { fetch: 'global' }]) {
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', script, rio.dsn, 'emit', JSON.stringify({ retries: 0, ...options })],
          {
            cwd: root,
            env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        )
        let out = ''
        child.stdout!.on('data', (chunk) => (out += chunk))
        child.on('error', reject)
        child.on('exit', () => resolve(out))
      })
      expect(output).toContain('"result":{"id":"evt_tls","duplicate":false}')
    }
    expect(rio.requests()).toBe(2)
  })
})
