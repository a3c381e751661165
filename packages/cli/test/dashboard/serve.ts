import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { Rio } from '../../../core/src/index.js'
import { onCleanup, serve, tempDir } from '../../../core/test/helpers.js'
import { createDashboardHandler, type DashboardOptions } from '../../src/dashboard/index.js'

/** Serves the dashboard on 127.0.0.1:0 for one test; returns its base URL (…/dashboard). */
export async function serveDashboard(rio: Rio, options: DashboardOptions): Promise<string> {
  return `${await serve(createDashboardHandler(rio, options))}${options.basePath ?? '/dashboard'}`
}

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const bin = fileURLToPath(new URL('../../src/bin.ts', import.meta.url))

/**
 * The environment of a `rio` child run from the sources: this process's without any RIO_*
 * variable, a fresh database, then `env`.
 */
export function rioEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RIO_')))
  return {
    ...clean,
    TSX_TSCONFIG_PATH: join(root, 'tsconfig.check.json'),
    RIO_DATABASE: join(tempDir(), 'rio.db'),
    ...env,
  }
}

/** Runs `rio start web` from the sources with `args` and `env` (no other RIO_* variable); returns its dashboard URL. */
export async function startDashboard(
  adminToken: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', bin, 'start', 'web', '--port', '0', '--admin-token', adminToken, ...args],
    { cwd: root, env: rioEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  let out = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (out += chunk))
  const deadline = Date.now() + 20_000
  let listening = /listening on (http:\/\/\S+)/.exec(out)
  while (!listening) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`rio start did not listen:\n${out}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    listening = /listening on (http:\/\/\S+)/.exec(out)
  }
  return `${listening[1]}/dashboard`
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** Posts the login form; no redirect is followed. */
export function postLogin(
  base: string,
  token: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}/login`, {
    method: 'POST',
    headers: { ...FORM, ...extra },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  })
}

/** The `name=value` part of a response's `Set-Cookie` for `name`. */
export function cookieOf(res: Response, name: string): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
}

/** A logged-in admin talking to the dashboard over HTTP, as a browser would (no redirects followed). */
export class AdminClient {
  private constructor(
    readonly base: string,
    public cookie: string,
  ) {}

  /** Logs in with `token` and checks the answer is a redirect with a session cookie. */
  static async login(base: string, token: string): Promise<AdminClient> {
    const res = await postLogin(base, token)
    expect(res.status).toBe(303)
    return new AdminClient(base, cookieOf(res, 'rio_session')!)
  }

  /** GET `path` (below the base) with the session, and any extra cookie such as a flash. */
  get(path: string, extraCookie = ''): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      headers: { cookie: [this.cookie, extraCookie].filter(Boolean).join('; ') },
      redirect: 'manual',
    })
  }

  /** GET `path` and return its HTML, failing unless the answer is 200. */
  async page(path: string): Promise<string> {
    const res = await this.get(path)
    expect(res.status, `GET ${path}`).toBe(200)
    return res.text()
  }

  /** The CSRF token embedded in the forms of `path`. */
  async csrf(path = '/'): Promise<string> {
    return /name="csrf" value="([^"]+)"/.exec(await this.page(path))![1]!
  }

  /** POST a form to `path` with the session; `fields` as given (add `csrf` yourself). */
  post(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { ...FORM, cookie: this.cookie, ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    })
  }
}
