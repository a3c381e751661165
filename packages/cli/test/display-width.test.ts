import fc from 'fast-check'
import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { displayWidth, graphemeClusters } from '../src/display-width.js'

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })
const clustersOf = (text: string) => Array.from(segmenter.segment(text), (s) => s.segment)

/** Text from every corner that matters for width: wide, narrow, combining, emoji sequences, flags. */
const text = fc.string({
  unit: fc.constantFrom(
    'a',
    ' ',
    'é',
    'e\u0301',
    '\u0301',
    '漢',
    'ｱ',
    'ﾞ',
    'が',
    'か\u3099',
    '한',
    '\u1100\u1161',
    '👩‍💻',
    '👍🏽',
    '🇫🇷',
    '🇯',
    '©',
    '©\ufe0f',
    '\u200d',
    '\u200c',
    'ب',
    'क्षि',
    'Ж',
    '\u0483',
    '\u00ad',
    '\u3000',
    '\u302a',
  ),
  maxLength: 1500,
})

describe('displayWidth', () => {
  it('measures as string-width does, unit by unit where it can, in pieces past 512 units', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(displayWidth(value)).toBe(stringWidth(value, { countAnsiEscapeCodes: true }))
      }),
      { numRuns: 150 },
    )
  })

  it('gives each unit of the ranges it counts alone the width string-width gives it', () => {
    const ranges = [
      [0x20, 0x7e],
      [0xa0, 0x52f],
      [0x3000, 0x30ff],
      [0x3400, 0x4dbf],
      [0x4e00, 0x9fff],
      [0xac00, 0xd7a3],
      [0xff00, 0xffef],
    ]
    for (const [from, to] of ranges) {
      for (let unit = from!; unit <= to!; unit++) {
        const char = String.fromCharCode(unit)
        expect(displayWidth(char), unit.toString(16)).toBe(stringWidth(char, { countAnsiEscapeCodes: true }))
        // After a letter: a combining or spacing mark joins it, and must not be counted alone.
        expect(displayWidth(`a${char}`), unit.toString(16)).toBe(
          stringWidth(`a${char}`, { countAnsiEscapeCodes: true }),
        )
      }
    }
  })
})

describe('graphemeClusters', () => {
  it('yields the clusters Intl.Segmenter finds in the whole text', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect([...graphemeClusters(value)]).toEqual(clustersOf(value))
      }),
      { numRuns: 100 },
    )
    const marks = `e${'\u0301'.repeat(3000)}x`
    expect([...graphemeClusters(marks)]).toEqual([marks.slice(0, -1), 'x'])
  })
})
