import { describe, expect, it } from 'vitest'
import { startReceiver } from '../../../../test/support/receiver.js'
import { compileUrlTemplate } from '../../src/dispatch/url-template.js'
import type { JsonValue } from '../../src/events/event.js'
import { RioValidationError } from '../../src/index.js'
import { makeRio, onCleanup, waitUntil } from '../helpers.js'

const event = { id: '0190b6c2-7e1a-7000-8000-000000000001', name: 'comment-published', project: 'blog' }
const render = (template: string, payload: JsonValue) => compileUrlTemplate(template)({ payload, event })

function refused(template: string, payload: JsonValue): RioValidationError {
  try {
    render(template, payload)
  } catch (error) {
    expect(error).toBeInstanceOf(RioValidationError)
    expect((error as RioValidationError).code).toBe('invalid_payload')
    return error as RioValidationError
  }
  throw new Error(`expected ${JSON.stringify(payload)} to be refused in ${template}`)
}

/** The path segments as written, and as the WHATWG URL parser resolves them. */
function segments(url: string): { written: string[]; resolved: string[] } {
  const path = url.slice('https://h'.length).split(/[?#]/)[0]!
  return { written: path.split(/[/\\]/), resolved: new URL(url).pathname.split('/') }
}

describe('URL template dot segments', () => {
  it.each([
    ['..', 'https://h/tenants/acme/comments/{{ payload.id }}/hook', '".."'],
    ['.', 'https://h/tenants/acme/comments/{{ payload.id }}/hook', '"."'],
    ['..', 'https://h/tenants/acme/comments/{{ payload.id }}', '".."'],
    ['.', 'https://h/tenants/acme/comments/{{ payload.id }}', '"."'],
    ['..', 'https://h/tenants/acme/comments/{{ payload.id }}?x=1', '".."'],
    ['..', 'https://h/tenants/acme/comments/{{ payload.id }}#top', '".."'],
    ['..', 'https://h/tenants\\acme\\{{ payload.id }}\\hook', '".."'],
    // literal text around the value completes a dot segment, in any of the parser's %2e spellings
    ['.', 'https://h/tenants/acme/.{{ payload.id }}/hook', '".."'],
    ['', 'https://h/tenants/acme/.{{ payload.id }}/hook', '"."'],
    ['e', 'https://h/tenants/acme/%2{{ payload.id }}/hook', '"%2e"'],
    ['E', 'https://h/tenants/acme/.%2{{ payload.id }}/hook', '".%2E"'],
    ['.', 'https://h/tenants/acme/%2E{{ payload.id }}/hook', '"%2E."'],
    ['.', 'https://h/tenants/acme/{{ payload.id }}%2e/hook', '".%2e"'],
    // the parser drops tabs and newlines, and trailing spaces
    ['.', 'https://h/tenants/acme/.\t{{ payload.id }}/hook', '".."'],
    ['..', 'https://h/tenants/acme/{{ payload.id }} ', '".."'],
  ])('refuses %j in %s, naming the template, the placeholder and the segment', (id, template, segment) => {
    const error = refused(template, { id })
    expect(error.message).toContain(JSON.stringify(template))
    expect(error.message).toContain('{{ payload.id }}')
    expect(error.message).toContain(`path segment ${segment}`)
  })

  it('refuses two values that together make a dot segment', () => {
    const error = refused('https://h/a/{{ payload.x }}{{ payload.y }}/b', { x: '.', y: '.' })
    expect(error.message).toContain('path segment ".."')
  })

  it('keeps values that are not a whole dot segment, each staying one path segment', () => {
    const template = 'https://h/tenants/acme/comments/{{ payload.id }}/hook'
    for (const id of [
      '...',
      '.a',
      'a.',
      '..a',
      '%2e',
      '%2e%2e',
      '.%2e',
      '. .',
      ' ..',
      '..\t',
      '../..',
      '..\\x',
      1.5,
    ]) {
      const url = render(template, { id })
      expect(url).toBe(`https://h/tenants/acme/comments/${encodeURIComponent(String(id))}/hook`)
      const { written, resolved } = segments(url)
      expect(resolved).toEqual(written)
      expect(resolved).toHaveLength(6)
    }
  })

  it('leaves dots alone in the query and the fragment, where they change nothing', () => {
    const url = render('https://h/a/b?x={{ payload.id }}&y=/{{ payload.id }}/#/{{ payload.id }}', {
      id: '..',
    })
    expect(url).toBe('https://h/a/b?x=..&y=/../#/..')
    expect(new URL(url).pathname).toBe('/a/b')
    expect(render('https://h/a?{{ payload.id }}', { id: '.' })).toBe('https://h/a?.')
    expect(render('https://h/a#{{ payload.id }}', { id: '..' })).toBe('https://h/a#..')
  })

  it('refuses exactly the renderings whose path the URL parser would change', () => {
    // The old rendering (plain encodeURIComponent) against the parser, over many combinations.
    const pieces = ['', '.', '%2', '%2e', '%2E', 'a']
    const values = ['', '.', '..', '...', 'e', 'E', '2e', '%2e', '.e', 'a']
    const ends = ['', '/y', '?q=1', '#f', '\\y']
    let refusals = 0
    for (const pre of pieces)
      for (const mid of pieces)
        for (const post of pieces)
          for (const end of ends) {
            const template = `https://h/x/${pre}{{ payload.a }}${mid}{{ payload.b }}${post}${end}`
            for (const a of values)
              for (const b of values) {
                const naive = `https://h/x/${pre}${encodeURIComponent(a)}${mid}${encodeURIComponent(b)}${post}${end}`
                const { written, resolved } = segments(naive)
                const moved = written.join('/') !== resolved.join('/')
                let threw = false
                try {
                  if (render(template, { a, b }) !== naive) throw new Error(`${template} rendered wrong`)
                } catch (error) {
                  if ((error as RioValidationError).code !== 'invalid_payload') throw error
                  threw = true
                }
                if (threw !== moved)
                  throw new Error(`${template} with ${a} and ${b}: threw ${threw}, moved ${moved}`)
                if (threw) refusals++
              }
          }
    expect(refusals).toBeGreaterThan(500)
  })

  it('dead-letters a delivery whose payload would move the request, and sends the others to their path', async () => {
    const receiver = await startReceiver()
    onCleanup(() => receiver.close())
    const rio = makeRio({ retrySchedule: [0, 0, 0] })
    await rio.webhook('x', { url: `${receiver.url}/tenants/acme/comments/{{ payload.id }}/hook` })
    await rio.start()
    const dot = await rio.emit('x', { id: '..' })
    const single = await rio.emit('x', { id: '.' })
    const encoded = await rio.emit('x', { id: '%2e%2e' })
    const plain = await rio.emit('x', { id: '42' })
    await receiver.waitFor(2, 5000)
    for (const { id } of [dot, single]) {
      const delivery = await waitUntil(
        async () => (await rio.listDeliveries({ eventId: id, status: 'dead' }))[0],
        'the delivery to die',
      )
      expect(delivery.lastError).toContain('cannot build the request: cannot fill URL template')
      expect(delivery.lastError).toContain('a dot segment')
    }
    for (const { id } of [encoded, plain]) {
      await waitUntil(
        async () => (await rio.listDeliveries({ eventId: id, status: 'succeeded' })).length === 1,
        'the delivery to succeed',
      )
    }
    expect(receiver.requests.map((r) => r.path).sort()).toEqual([
      '/tenants/acme/comments/%252e%252e/hook',
      '/tenants/acme/comments/42/hook',
    ])
  })
})
