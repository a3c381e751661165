import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'rio-client'
import { afterEach, describe, expect, it } from 'vitest'
import { startReceiver } from '../../../test/support/receiver.js'
import { Rio, UnrecoverableError } from '../../core/src/index.js'
import { spawnRio } from './spawn-rio.js'
import { runRio } from './support/run-rio.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/**
 * Runs a one-shot `rio …` in this process, as `rio` runs it, and returns its exit code and what it
 * printed (stdout, then stderr). What only a real process shows — the exit status it ends with, a
 * closed stdout, signals — is tested in cli.test.ts; spawning each command here only added a second
 * of start-up to each.
 */
async function rio(args: string[]): Promise<{ code: number; out: string }> {
  const { code, out, err } = await runRio(args)
  return { code, out: out + err }
}

/** Runs `rio start …` in a child process, killed after the test, and waits until it listens. */
async function serve(
  args: string[],
): Promise<{ child: ChildProcess; url: URL; exited: Promise<number | null> }> {
  const server = spawnRio(['start', ...args], {
    track: (child) => cleanups.push(() => child.kill('SIGKILL')),
  })
  const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/)
  return { child: server.child, url: new URL(url!), exited: server.exited }
}

async function json<T>(args: string[]): Promise<T> {
  const { code, out } = await rio([...args, '--json'])
  expect(code, out).toBe(0)
  return JSON.parse(out) as T
}

describe('rio management commands', () => {
  it('creates a project, a sender and a webhook, then shows, retries and recovers its deliveries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = ['--database', join(dir, 'rio.db')]
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    receiver.respond(() => ({ status: 500, body: 'down for maintenance' }))

    expect((await rio(['project', 'create', 'shop', ...db])).code).toBe(0)
    const projects = await json<Array<{ name: string }>>(['project', 'list', ...db])
    expect(projects.map((p) => p.name)).toEqual(['shop'])
    const sender = await json<{ dsn: string }>([
      'sender',
      'create',
      'shop',
      'checkout',
      '--url',
      'http://127.0.0.1:1',
      ...db,
    ])
    expect(sender.dsn).toMatch(/^http:\/\/checkout:[^@]+@127\.0\.0\.1:1\/shop$/)
    const senders = await rio(['sender', 'list', 'shop', ...db])
    expect(senders.out).toContain('checkout')
    expect(senders.out).not.toContain(new URL(sender.dsn).password)
    const added = await rio([
      'handler',
      'add',
      'shop',
      'order.*',
      receiver.url,
      '--name',
      'erp',
      '--header',
      'x-team=erp',
      ...db,
    ])
    expect(added.code, added.out).toBe(0)
    expect(added.out).toMatch(/signing secret \(give it to the receiver\): whsec_/)
    const [handler] = await json<Array<{ id: string; secrets: string[] }>>([
      'handler',
      'list',
      '--project',
      'shop',
      ...db,
    ])
    expect(handler!.secrets).toEqual(['(hidden)'])

    // Serve on a free port with a fast retry schedule… the standalone server uses the default
    // schedule, so the first failure leaves the delivery pending; emit through the printed DSN.
    const server = await serve(['--port', '0', ...db])
    const { url } = server
    const dsn = new URL(sender.dsn)
    dsn.port = url.port
    const client = new Client({ dsn: dsn.toString() })
    const { id } = await client.emit('order.paid', { order: 7 })
    await client.close()
    await receiver.waitFor(1, 10_000)
    expect(receiver.requests[0]!.headers['x-team']).toBe('erp')
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)

    const listed = await json<Array<{ id: string; eventId: string; status: string; attempts: number }>>([
      'deliveries',
      'list',
      ...db,
    ])
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ eventId: id, status: 'pending', attempts: 1 })
    const shown = await rio(['deliveries', 'show', listed[0]!.id, ...db])
    expect(shown.out).toContain('down for maintenance')
    const events = await rio(['events', 'list', '--project', 'shop', '--since', '1h', ...db])
    expect(events.out).toContain(id)

    const retried = await json<{ status: string }>(['deliveries', 'retry', listed[0]!.id, ...db])
    expect(retried.status).toBe('pending')
    const recovered = await rio(['recover', '--handler', handler!.id, '--since', '1d', ...db])
    expect(recovered.out).toMatch(/re-queued 0 dead deliveries/)

    expect((await rio(['handler', 'disable', handler!.id, ...db])).out).toMatch(/no \(manual\)/)
    expect((await rio(['handler', 'enable', handler!.id, ...db])).out).toMatch(/yes/)
    expect((await rio(['handler', 'remove', handler!.id, ...db])).out).toMatch(
      /1 unfinished deliveries cancelled/,
    )
    const missing = await rio(['deliveries', 'show', '999', ...db])
    expect(missing.code).toBe(3)
    expect(missing.out).toMatch(/^rio: delivery "999" does not exist/)
    const badSince = await rio(['events', 'list', '--since', 'yesterday-ish', ...db])
    expect(badSince.code).toBe(2)
    expect(badSince.out).toMatch(/give an ISO date or a span like 2h or 3d/)
    // A mistyped header is refused without echoing it: it usually holds a credential.
    const badHeader = await rio([
      'handler',
      'add',
      'shop',
      'x',
      receiver.url,
      '--header',
      'authorization: Bearer s3cret-token',
      ...db,
    ])
    expect(badHeader.code).toBe(2)
    expect(badHeader.out).toMatch(/--header value is not name=value/)
    expect(badHeader.out).not.toContain('s3cret-token')
  }, 90_000)
})

describe('rio handler output', () => {
  it('shows webhook URLs redacted, as a table and as JSON: no URL password, no credential-like query value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = ['--database', join(dir, 'rio.db')]
    const credentials = ['hunter2', 'k3y-value', 't0k-value', 's1g-value', 'pw-value', 'sec-value']
    const leaks = (out: string) => credentials.filter((c) => out.includes(c))
    // No --name: the default name, `<pattern> <url>`, holds the URL too.
    const added = await rio([
      'handler',
      'add',
      'shop',
      'order.*',
      'https://ops:hunter2@hooks.example/in?api_key=k3y-value&token=t0k-value&page=2',
      ...db,
    ])
    expect(added.code, added.out).toBe(0)
    expect(leaks(added.out)).toEqual([])
    expect(added.out).toContain('https://ops:***@hooks.example/in?api_key=***&token=***&page=2')
    expect(added.out).toMatch(/signing secret \(give it to the receiver\): whsec_/)
    const addedJson = await json<{ id: string; url: string; name: string; secrets: string[] }>([
      'handler',
      'add',
      'shop',
      'order.paid',
      'https://hooks.example/paid?signature=s1g-value&password=pw-value&secret=sec-value',
      '--name',
      'paid',
      ...db,
    ])
    expect(addedJson.url).toBe('https://hooks.example/paid?signature=***&password=***&secret=***')
    expect(addedJson.secrets[0]).toMatch(/^whsec_/) // printed once, for the receiver

    const table = await rio(['handler', 'list', ...db])
    expect(table.code, table.out).toBe(0)
    expect(leaks(table.out)).toEqual([])
    expect(table.out).toContain('order.* https://ops:***@hooks.example/in?api_key=***&token=***&page=2')
    expect(table.out).toContain('https://hooks.example/paid?signature=***&password=***&secret=***')

    const listed = await rio(['handler', 'list', '--project', 'shop', ...db, '--json'])
    expect(listed.code, listed.out).toBe(0)
    expect(leaks(listed.out)).toEqual([])
    const handlers = JSON.parse(listed.out) as Array<{
      id: string
      name: string
      url: string
      secrets: string[]
    }>
    expect(handlers.map((h) => h.url).sort()).toEqual([
      'https://hooks.example/paid?signature=***&password=***&secret=***',
      'https://ops:***@hooks.example/in?api_key=***&token=***&page=2',
    ])
    expect(handlers.map((h) => h.name).sort()).toEqual([
      'order.* https://ops:***@hooks.example/in?api_key=***&token=***&page=2',
      'paid',
    ])
    expect(handlers.flatMap((h) => h.secrets)).toEqual(['(hidden)', '(hidden)'])

    for (const verb of ['disable', 'enable']) {
      const changed = await rio(['handler', verb, addedJson.id, ...db])
      expect(changed.code, changed.out).toBe(0)
      expect(leaks(changed.out)).toEqual([])
      const changedJson = await rio(['handler', verb, addedJson.id, ...db, '--json'])
      expect(leaks(changedJson.out)).toEqual([])
      expect(JSON.parse(changedJson.out)).toMatchObject({ url: addedJson.url, secrets: ['(hidden)'] })
    }
  }, 60_000)

  it('shows a URL whose user alone is a token as https://***@host, in add, list, enable and --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = ['--database', join(dir, 'rio.db')]
    const token = 'tok-9f8e7d6c5b4a'
    // No --name: the default name, `<pattern> <url>`, holds the token too.
    const added = await rio([
      'handler',
      'add',
      'shop',
      'order.*',
      `https://${token}@hooks.example.com/x`,
      ...db,
    ])
    expect(added.code, added.out).toBe(0)
    expect(added.out).not.toContain(token)
    expect(added.out).toContain(
      '"order.* https://***@hooks.example.com/x" (order.* → https://***@hooks.example.com/x)',
    )
    const [listed] = await json<Array<{ id: string; name: string; url: string }>>(['handler', 'list', ...db])
    expect(listed).toMatchObject({
      name: 'order.* https://***@hooks.example.com/x',
      url: 'https://***@hooks.example.com/x',
    })
    for (const args of [
      ['handler', 'list'],
      ['handler', 'enable', listed!.id],
      ['handler', 'enable', listed!.id, '--json'],
    ]) {
      const shown = await rio([...args, ...db])
      expect(shown.code, shown.out).toBe(0)
      expect(shown.out, args.join(' ')).not.toContain(token)
      expect(shown.out, args.join(' ')).toContain('https://***@hooks.example.com/x')
    }
  }, 60_000)

  it('shows credential-like header values as *** and other headers as they are; the admin API has them in full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const db = ['--database', join(dir, 'rio.db')]
    const headers = {
      authorization: 'Bearer auth-value-1',
      'Proxy-Authorization': 'Basic proxy-value-2',
      'x-api-key': 'key-value-3',
      cookie: 'sid=cookie-value-4',
      'x-session-id': 'session-value-5',
      'x-webhook-secret': 'secret-value-6',
      'x-access-token': 'token-value-7',
      'x-credential': 'credential-value-8',
      'x-team': 'erp',
      'x-tenant': 'acme',
    }
    const secrets = Object.values(headers).filter((v) => v !== 'erp' && v !== 'acme')
    const leaks = (out: string) => secrets.filter((s) => out.includes(s))
    const redacted = {
      ...Object.fromEntries(Object.keys(headers).map((k) => [k, '***'])),
      'x-team': 'erp',
      'x-tenant': 'acme',
    }
    const flags = Object.entries(headers).flatMap(([k, v]) => ['--header', `${k}=${v}`])
    const add = [
      'handler',
      'add',
      'shop',
      'order.*',
      'https://hooks.example/in',
      '--name',
      'erp',
      ...flags,
      ...db,
    ]
    const added = await rio([...add, '--json'])
    expect(added.code, added.out).toBe(0)
    expect(leaks(added.out)).toEqual([])
    const created = JSON.parse(added.out) as { id: string; headers: Record<string, string> }
    expect(created.headers).toEqual(redacted)
    const again = await rio(add)
    expect(again.code, again.out).toBe(0)
    expect(leaks(again.out)).toEqual([])
    const [listed] = await json<Array<{ headers: Record<string, string> }>>(['handler', 'list', ...db])
    expect(listed!.headers).toEqual(redacted)
    for (const verb of ['disable', 'enable']) {
      const changed = await rio(['handler', verb, created.id, ...db, '--json'])
      expect(changed.code, changed.out).toBe(0)
      expect(leaks(changed.out)).toEqual([])
      expect((JSON.parse(changed.out) as { headers: unknown }).headers).toEqual(redacted)
    }

    // What the README says: the admin API shows the values in full.
    const adminToken = 'admin-token-for-the-header-test'
    const server = await serve(['--port', '0', '--admin-token', adminToken, ...db])
    const url = server.url.href.replace(/\/$/, '')
    const res = await fetch(`${url}/api/v1/handlers/${created.id}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { headers: unknown }).headers).toEqual(headers)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  }, 60_000)
})

describe('rio output on a terminal', () => {
  it('shows control characters from receivers, payloads and names as visible escapes, never raw; --json as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const database = join(dir, 'rio.db')
    const db = ['--database', database]
    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    // Clear the screen, set the window title, recolour, ring the bell; C1 CSI (U+009B) too.
    receiver.respond(() => ({ status: 500, body: 'down\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f' }))
    const engine = new Rio({ database, retrySchedule: [0], retryJitter: 0, pollIntervalMs: 50 })
    cleanups.push(() => engine.stop())
    const webhook = await engine.webhook('order.*', { url: receiver.url, name: 'erp' })
    // Refused in a name now; one saved before that rule is still in the database, and printed.
    engine.db!.prepare('UPDATE handlers SET name = ? WHERE id = ?').run('erp\x9b2J', webhook.id)
    engine.on('order.*', 'audit', async () => {
      throw new UnrecoverableError('refused\x1b[31m red\x08\x00')
    })
    await engine.start()
    await engine.emit('order.paid', { note: 'x\x1b[2Jy\x9b1m' })
    for (;;) {
      const dead = await engine.listDeliveries({ status: 'dead' })
      if (dead.length === 2) break
      await new Promise((r) => setTimeout(r, 50))
    }
    const deliveries = await engine.listDeliveries()
    await engine.stop()
    const erp = deliveries.find((d) => d.handlerId === webhook.id)!
    const audit = deliveries.find((d) => d.handlerId !== webhook.id)!
    const raw = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/ // any control character but the line break
    for (const args of [
      ['deliveries', 'show', erp.id],
      ['deliveries', 'show', audit.id],
      ['deliveries', 'list'],
      ['events', 'list'],
      ['handler', 'list'],
      ['handler', 'disable', webhook.id],
    ]) {
      const { code, out } = await rio([...args, ...db])
      expect(code, out).toBe(0)
      expect(out, args.join(' ')).not.toMatch(raw)
    }
    const shown = (await rio(['deliveries', 'show', erp.id, ...db])).out
    expect(shown).toContain('down\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\x7f')
    expect((await rio(['deliveries', 'show', audit.id, ...db])).out).toContain(
      'refused\\x1b[31m red\\x08\\x00',
    )
    expect((await rio(['events', 'list', ...db])).out).toContain('"x\\u001b[2Jy\\x9b1m"')
    expect((await rio(['handler', 'list', ...db])).out).toContain('erp\\x9b2J')
    // JSON escapes them its own way, and stays parseable and exact.
    const exact = await json<{ attempts: Array<{ responseBody: string }> }>([
      'deliveries',
      'show',
      erp.id,
      ...db,
    ])
    expect(exact.attempts[0]!.responseBody).toBe('down\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f')
  }, 60_000)
})

describe('rio deliveries retry refused', () => {
  it('says why and what to do for a removed handler’s delivery (exit 1), not "pick another name"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rio-cli-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const database = join(dir, 'rio.db')
    const engine = new Rio({ database })
    cleanups.push(() => engine.stop())
    const handler = await engine.webhook('order.*', { url: 'http://127.0.0.1:9/hook', name: 'erp' })
    await engine.emit('order.paid', {})
    await engine.removeHandler(handler.id)
    const [delivery] = await engine.listDeliveries()
    await engine.stop()
    const { code, out } = await rio(['deliveries', 'retry', delivery!.id, '--database', database])
    expect(code, out).toBe(1)
    expect(out).toBe(
      `rio: delivery ${delivery!.id} belongs to a removed handler; it cannot be delivered again\nhint: its handler was removed, so it cannot be sent again; \`rio handler list\` shows the handlers there are\n`,
    )
    const again = await rio(['project', 'create', 'default', '--database', database])
    expect(again.code, again.out).toBe(1)
    expect(again.out).toMatch(/\nhint: the project is there already; see `rio project list`\n$/)
  }, 30_000)
})
