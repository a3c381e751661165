import { describe, expect, it } from 'vitest'
import {
  assertWebhookUrl,
  compileUrlTemplate,
  type TemplateContext,
} from '../../src/dispatch/url-template.js'
import { RioValidationError } from '../../src/errors.js'
import type { JsonValue } from '../../src/events/event.js'

const event = { id: '0190b6c2-7e1a-7000-8000-000000000001', name: 'comment-published', project: 'blog' }
const render = (template: string, payload: JsonValue) => compileUrlTemplate(template)({ payload, event })

function invalid(fn: () => unknown): RioValidationError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(RioValidationError)
    expect((error as RioValidationError).code).toBe('invalid_handler')
    return error as RioValidationError
  }
  throw new Error('expected a RioValidationError')
}

describe('compileUrlTemplate', () => {
  it('fills dotted paths into the payload and the event, with or without spaces', () => {
    const payload = { id: 42, user: { name: 'ada' }, items: ['first', { sku: 'x-1' }] }
    expect(render('https://host/comments/{{ payload.id }}/{{payload.user.name}}', payload)).toBe(
      'https://host/comments/42/ada',
    )
    expect(render('https://host/{{ payload.items.0 }}/{{ payload.items.1.sku }}', payload)).toBe(
      'https://host/first/x-1',
    )
    expect(render('https://host/{{ event.project }}/{{ event.name }}?id={{ event.id }}', payload)).toBe(
      `https://host/blog/comment-published?id=${event.id}`,
    )
    expect(render('https://host/{{  payload.user-id  }}', { 'user-id': 7 })).toBe('https://host/7')
  })

  it('returns a URL without placeholders as is', () => {
    expect(render('https://host/a/b?c=d', { id: 1 })).toBe('https://host/a/b?c=d')
  })

  it('URL-encodes values, so a payload cannot add path segments, a query or a fragment', () => {
    expect(render('https://host/c/{{ payload.id }}', { id: 'a/b?c=d&e#f g' })).toBe(
      'https://host/c/a%2Fb%3Fc%3Dd%26e%23f%20g',
    )
    expect(render('https://host/c/{{ payload.id }}', { id: 'café ☕' })).toBe(
      'https://host/c/caf%C3%A9%20%E2%98%95',
    )
    expect(render('https://host/c/{{ payload.id }}', { id: '../../admin' })).toBe(
      'https://host/c/..%2F..%2Fadmin',
    )
  })

  it('renders numbers and booleans as text, objects and arrays as encoded JSON', () => {
    const payload = { n: 1.5, b: false, o: { a: 1 }, l: [1, 'x'] }
    expect(render('https://h/{{ payload.n }}/{{ payload.b }}/{{ payload.o }}/{{ payload.l }}', payload)).toBe(
      `https://h/1.5/false/${encodeURIComponent('{"a":1}')}/${encodeURIComponent('[1,"x"]')}`,
    )
    expect(render('https://h/{{ payload }}', 'a b')).toBe('https://h/a%20b')
  })

  it('renders missing values, nulls and paths through non-objects as the empty string', () => {
    const payload = { id: null, s: 'text', list: [] }
    expect(render('https://h/[{{ payload.nope }}]', payload)).toBe('https://h/[]')
    expect(render('https://h/[{{ payload.id }}]', payload)).toBe('https://h/[]')
    expect(render('https://h/[{{ payload.s.length }}]', payload)).toBe('https://h/[]')
    expect(render('https://h/[{{ payload.list.3 }}]', payload)).toBe('https://h/[]')
    expect(render('https://h/[{{ payload.a.b.c }}]', null)).toBe('https://h/[]')
    // inherited properties are not data
    expect(render('https://h/[{{ payload.toString }}]', {})).toBe('https://h/[]')
    expect(render('https://h/[{{ payload.hasOwnProperty }}]', [])).toBe('https://h/[]')
  })

  it('evaluates nothing: code, globals and prototype paths are refused at compile time', () => {
    for (const expression of [
      "constructor.constructor('x')()",
      "payload.constructor.constructor('return process')()",
      'process.env',
      'globalThis',
      'this',
      'payload.__proto__',
      'payload.constructor',
      'payload.a.prototype',
      'payload["id"]',
      'payload[0]',
      'payload.id | upper',
      'payload.id + 1',
      'payload..id',
      'payload.',
      '',
      'event.payload',
      'event.createdAt',
      'event',
      'Payload.id',
    ]) {
      const error = invalid(() => compileUrlTemplate(`https://host/{{ ${expression} }}`))
      expect(error.message).toContain('https://host/')
      expect(error.message).toContain('{{ payload.id }}')
    }
  })

  it('refuses unbalanced and nested braces', () => {
    for (const template of [
      'https://host/{{ payload.id',
      'https://host/payload.id }}',
      'https://host/{{ payload.id }}/}}',
      'https://host/{{ payload.id }}/{{',
      'https://host/{{{ payload.id }}}',
      'https://host/{{ {{ payload.id }} }}',
    ]) {
      const error = invalid(() => compileUrlTemplate(template))
      expect(error.message).toContain(JSON.stringify(template))
    }
  })

  it('allows single braces, which are not placeholders', () => {
    expect(render('https://h/{id}/{{ payload.id }}', { id: 1 })).toBe('https://h/{id}/1')
  })

  it('caches compiled templates', () => {
    expect(compileUrlTemplate('https://h/{{ payload.id }}')).toBe(
      compileUrlTemplate('https://h/{{ payload.id }}'),
    )
    const ctx: TemplateContext = { payload: { id: 1 }, event }
    // a bounded cache keeps working past its limit
    for (let i = 0; i < 1100; i++)
      expect(compileUrlTemplate(`https://h/${i}/{{ payload.id }}`)(ctx)).toBe(`https://h/${i}/1`)
  })
})

describe('assertWebhookUrl', () => {
  it.each([
    'https://example.com/hooks',
    'http://127.0.0.1:8080/x?y=1',
    'https://example.com/comments/{{ payload.id }}?by={{ payload.user.name }}#{{ event.id }}',
    'https://user:pass@example.com/{{ payload.id }}',
  ])('accepts %s', (url) => {
    expect(() => assertWebhookUrl(url)).not.toThrow()
  })

  it.each([
    ['ftp://example.com/', 'ftp:'],
    ['file:///etc/passwd', 'file:'],
    ['javascript:alert(1)', 'javascript:'],
    ['data:text/plain,hi', 'data:'],
  ])('refuses %s, saying only http and https are allowed', (url, scheme) => {
    const error = invalid(() => assertWebhookUrl(url))
    expect(error.message).toContain(JSON.stringify(url))
    expect(error.message).toContain(scheme)
    expect(error.message).toContain('only http and https')
  })

  it.each(['example.com/hooks', '/hooks', '', 'http//example.com'])('refuses the relative URL %j', (url) => {
    const error = invalid(() => assertWebhookUrl(url))
    expect(error.message).toContain(JSON.stringify(url))
    expect(error.message).toContain('only http and https')
  })

  it.each([
    'https://{{ payload.host }}/x',
    'https://{{ payload.sub }}.example.com/x',
    'https://example.com:{{ payload.port }}/x',
    '{{ payload.url }}',
    'http{{ payload.s }}://example.com/',
  ])('refuses a placeholder that chooses where the request goes: %s', (url) => {
    const error = invalid(() => assertWebhookUrl(url))
    expect(error.message).toContain(JSON.stringify(url))
  })

  it('refuses a template that does not compile', () => {
    invalid(() => assertWebhookUrl('https://example.com/{{ process.env }}'))
  })

  it.each([
    'ftp://hook:t0p-s3cret@example.com/x',
    'https://hook:t0p-s3cret@{{ payload.host }}/x',
    'https://hook:t0p-s3cret@example.com/{{ process.env }}',
    'https://hook:t0p-s3cret@example.com/{{ payload.id',
    'https://hook:t0p-s3cret@127.0.0.1/x',
  ])('never echoes the password of %s in its error', (url) => {
    const error = invalid(() => assertWebhookUrl(url, { blockPrivateAddresses: true }))
    expect(error.message).not.toContain('t0p-s3cret')
    expect(error.message).toContain('hook:***@')
  })
})
