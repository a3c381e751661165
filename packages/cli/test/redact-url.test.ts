import { describe, expect, it } from 'vitest'
import { redactUrl, redactUrlsIn } from '../src/redact-url.js'

describe('redactUrl', () => {
  it.each([
    ['http://u:p@h/x', 'http://u:***@h/x'],
    ['https://TOKEN@hooks.example.com/x', 'https://***@hooks.example.com/x'],
    ['https://TOKEN:@hooks.example.com/x?page=2', 'https://***@hooks.example.com/x?page=2'],
    ['https://:p@h/x', 'https://:***@h/x'],
    ['https://h/x?session=s&x_credential=c&page=2', 'https://h/x?session=***&x_credential=***&page=2'],
    ['https://h/x?api_key=1&page=2', 'https://h/x?api_key=***&page=2'],
    [
      'https://h/x?token=a&secret=b&signature=c&password=d',
      'https://h/x?token=***&secret=***&signature=***&password=***',
    ],
    ['https://h/{{ payload.id }}', 'https://h/{{ payload.id }}'],
    ['not a url', 'not a url'],
  ])('turns %s into %s', (input, output) => {
    expect(redactUrl(input)).toBe(output)
  })
})

describe('redactUrlsIn', () => {
  it.each([
    ['order.* https://u:p@h/x', 'https://u:p@h/x', 'order.* https://u:***@h/x'],
    ['order.* https://TOKEN@h/x', 'https://TOKEN@h/x', 'order.* https://***@h/x'],
    ['moved from https://OLDTOKEN@h/x', 'https://h/y', 'moved from https://***@h/x'],
    [
      'a https://h/{{ payload.id }}?token=t',
      'https://h/{{ payload.id }}?token=t',
      'a https://h/%7B%7B%20payload.id%20%7D%7D?token=***',
    ],
    ['PUT https://h/old?key=k (moved)', undefined, 'PUT https://h/old?key=*** (moved)'],
    ['erp', 'https://u:p@h/x', 'erp'],
  ])('turns %s (url %s) into %s', (text, url, output) => {
    expect(redactUrlsIn(text, url)).toBe(output)
  })
})
