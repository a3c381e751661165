import type { IncomingMessage } from 'node:http'
import express, { type RequestHandler } from 'express'
import { describe, expect, it } from 'vitest'
import { makeRio, serve } from '../../core/test/helpers.js'
import { createDashboardHandler } from '../src/dashboard/index.js'
import { AdminClient, cookieOf, postLogin } from './dashboard/serve.js'

// The dashboard mounted in an Express app with a body parser mounted globally before it (the
// commonest set-up): its forms are read from the raw bytes a parser kept, and otherwise refused
// with a logged error that says how to fix the set-up, never acted on as if they were empty.

const TOKEN = 'dashboard-admin-token-0123456789'
const FORM = 'application/x-www-form-urlencoded'

/**
 * Express with `before` mounted (globally, or under a path for `[path, middleware]`), then the
 * dashboard at /dashboard; errors on rio.events collected.
 */
async function expressHost(before: Array<RequestHandler | [string, RequestHandler]>) {
  const rio = makeRio()
  const errors: Error[] = []
  rio.events.on('error', (error) => errors.push(error))
  const app = express()
  for (const middleware of before) {
    if (Array.isArray(middleware)) app.use(...middleware)
    else app.use(middleware)
  }
  app.use('/dashboard', createDashboardHandler(rio, { adminToken: TOKEN }))
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('host 404')
  })
  const origin = await serve(app)
  return { rio, errors, origin, base: `${origin}/dashboard` }
}

describe('the dashboard behind a global Express body parser', () => {
  it('refuses a login form express.urlencoded() read with a 500 and a logged fix, instead of "not the admin token"', async () => {
    const host = await expressHost([express.urlencoded()])
    const res = await postLogin(host.base, TOKEN)
    expect(res.status).toBe(500)
    expect(cookieOf(res, 'rio_session')).toBeUndefined()
    expect(await res.text()).toContain('Something went wrong; the server log has the details.')
    expect(host.errors).toHaveLength(1)
    expect(host.errors[0]).toMatchObject({ name: 'FormAlreadyReadError', code: 'body_already_read' })
    expect(host.errors[0]!.message).toMatch(
      /^the dashboard's form body was read before its handler ran, by a body parser of the host app \(such as express\.urlencoded\(\)\) that kept no raw bytes; mount the dashboard before any body parser/,
    )
  })

  it('refuses an action form the same way, changing nothing, instead of calling it stale', async () => {
    // The parser covers the actions only, so the admin can log in first.
    const host = await expressHost([['/dashboard/handlers', express.urlencoded()]])
    const admin = await AdminClient.login(host.base, TOKEN)
    const handler = await host.rio.webhook('comment-published', {
      url: 'http://127.0.0.1:9/hook',
      name: 'antispam',
    })
    const csrf = await admin.csrf('/handlers')
    const res = await admin.post(`/handlers/${handler.id}/disable`, { csrf, reason: 'maintenance' })
    expect(res.status).toBe(500)
    expect((await host.rio.getHandler(handler.id)).enabled).toBe(true)
    expect(host.errors.map((error) => error.name)).toEqual(['FormAlreadyReadError'])
  })

  it('logs in with the bytes express.urlencoded({ verify }) kept on req.rawBody, and with express.raw()', async () => {
    const keepRaw = express.urlencoded({
      verify: (req, _res, buffer) => {
        ;(req as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer
      },
    })
    for (const parser of [keepRaw, express.raw({ type: FORM })]) {
      const host = await expressHost([parser])
      const res = await postLogin(host.base, TOKEN)
      expect(res.status).toBe(303)
      expect(cookieOf(res, 'rio_session')).toBeDefined()
      const wrong = await postLogin(host.base, 'not-the-token-0123456789')
      expect(wrong.status).toBe(401)
      expect(host.errors).toEqual([])
    }
  })

  it('reads a form a middleware paused', async () => {
    const pause: RequestHandler = (req, _res, next) => {
      req.pause()
      next()
    }
    const host = await expressHost([pause])
    const res = await postLogin(host.base, TOKEN)
    expect(res.status).toBe(303)
  })

  it('passes paths outside its base path on to the host, parsers or not', async () => {
    const host = await expressHost([express.urlencoded()])
    expect(await (await fetch(`${host.origin}/elsewhere`)).text()).toBe('host 404')
    expect(await (await fetch(`${host.origin}/dashboardx/login`)).text()).toBe('host 404')
  })
})

/** An Express host with the dashboard mounted by `mount`; errors on rio.events collected. */
async function subAppHost(
  mount: (app: express.Express, dashboard: RequestHandler) => void,
  basePath?: string,
) {
  const rio = makeRio()
  const errors: Error[] = []
  rio.events.on('error', (error) => errors.push(error))
  const app = express()
  mount(app, createDashboardHandler(rio, { adminToken: TOKEN, ...(basePath ? { basePath } : {}) }))
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('host 404')
  })
  const origin = await serve(app)
  return { rio, errors, origin }
}

describe('the dashboard in an Express sub-app', () => {
  const mounts: Record<string, (app: express.Express, dashboard: RequestHandler) => void> = {
    "sub.use('/dashboard', dashboard)": (app, dashboard) => {
      const sub = express.Router()
      sub.use('/dashboard', dashboard)
      app.use('/ops', sub)
    },
    'sub.use(dashboard)': (app, dashboard) => {
      const sub = express.Router()
      sub.use(dashboard)
      app.use('/ops', sub)
    },
  }

  for (const [name, mount] of Object.entries(mounts)) {
    it(`says which basePath to set instead of falling through to the host's 404 (${name})`, async () => {
      const host = await subAppHost(mount)
      const res = await postLogin(`${host.origin}/ops/dashboard`, TOKEN)
      expect(res.status).toBe(500)
      expect(cookieOf(res, 'rio_session')).toBeUndefined()
      expect(host.errors).toHaveLength(1)
      expect(host.errors[0]).toMatchObject({ name: 'RioValidationError', code: 'invalid_options' })
      expect(host.errors[0]!.message).toContain('set basePath to "/ops/dashboard"')
      // Paths that are not the dashboard's still reach the host.
      expect(await (await fetch(`${host.origin}/ops/elsewhere`)).text()).toBe('host 404')
    })

    it(`works with basePath set to the full path (${name})`, async () => {
      const host = await subAppHost(mount, '/ops/dashboard')
      const admin = await AdminClient.login(`${host.origin}/ops/dashboard`, TOKEN)
      const page = await admin.page('/')
      expect(page).toContain('href="/ops/dashboard/assets/style.css"')
      expect(host.errors).toEqual([])
    })
  }
})

describe('the dashboard after the host already answered', () => {
  it('leaves a request an earlier middleware answered and passed on alone, and reports it', async () => {
    let answered = 0
    const host = await subAppHost((app, dashboard) => {
      app.use('/dashboard', (req, res, next) => {
        if (req.method === 'POST' && req.path !== '/login') {
          answered++
          res.status(202).type('text/plain').send('taken by the host')
        }
        next()
      })
      app.use('/dashboard', dashboard)
    })
    const admin = await AdminClient.login(`${host.origin}/dashboard`, TOKEN)
    const handler = await host.rio.webhook('comment-published', {
      url: 'http://127.0.0.1:9/hook',
      name: 'antispam',
    })
    const csrf = await admin.csrf('/handlers')
    const res = await admin.post(`/handlers/${handler.id}/disable`, { csrf, reason: 'maintenance' })
    // The host's answer reaches the client whole; the dashboard did not act on the request.
    expect(res.status).toBe(202)
    expect(await res.text()).toBe('taken by the host')
    expect(answered).toBe(1)
    expect((await host.rio.getHandler(handler.id)).enabled).toBe(true)
    expect(host.errors).toHaveLength(1)
    expect(host.errors[0]!.message).toMatch(/already answered by an earlier middleware/)
  })
})
