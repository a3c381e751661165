import { describe, expect, it } from 'vitest'
import { STYLE_CSS } from '../../src/dashboard/assets/style.js'

/** The WCAG contrast ratio of two `#rrggbb` colors. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const v = Number.parseInt(hex.slice(i, i + 2), 16) / 255
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
  }
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

/** `#fff` as `#ffffff`. */
const long = (hex: string) => (hex.length === 4 ? hex.replace(/[0-9a-f]/g, '$&$&') : hex)
const VARS = new Map(
  [...STYLE_CSS.matchAll(/--([\w-]+): (#[0-9a-f]{6}|#[0-9a-f]{3});/g)].map((m) => [m[1]!, long(m[2]!)]),
)

/** The color `property` of the rule for exactly `selector` declares, `var(--x)` resolved; or a reason it has none. */
function declared(selector: string, property: string): string {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const rule = new RegExp(`(?:^|\\n)\\s*${escaped} \\{([^}]*)\\}`).exec(STYLE_CSS)
  if (!rule) return `no rule for ${selector}`
  const value = new RegExp(`(?:^|;)\\s*${property}:\\s*([^;]+)`).exec(rule[1]!)?.[1]
  const color =
    value && (/#[0-9a-f]{6}\b/.exec(value)?.[0] ?? VARS.get(/var\(--([\w-]+)\)/.exec(value)?.[1] ?? ''))
  return color ?? `no ${property} color in ${selector}`
}

describe('the dashboard’s colors (WCAG 2.2 AA), where axe does not look', () => {
  // axe checks the text it sees on each page; not placeholders, field borders or the focus ring.
  const pairs: [what: string, selector: string, property: string, background: string, least: number][] = [
    ['placeholder text in a field (1.4.3)', '::placeholder', 'color', 'card', 4.5],
    ['a text field’s border (1.4.11)', 'input, select', 'border', 'card', 3],
    ['an invalid field’s border (1.4.11)', 'input[aria-invalid="true"]', 'border', 'card', 3],
    ['a field’s error message (1.4.3)', '.field-error', 'color', 'card', 4.5],
    ['the focus ring on a card (1.4.11)', ':focus-visible', 'outline', 'card', 3],
    ['the focus ring on the page (1.4.11)', ':focus-visible', 'outline', 'bg', 3],
    ['the skip link (1.4.3)', '.skip-link', 'color', 'card', 4.5],
    ['“paused” beside the title (1.4.3)', '.live-note.paused', 'color', 'grey-bg', 4.5],
  ]

  it.each(pairs)('gives %s enough contrast', (_what, selector, property, background, least) => {
    const color = declared(selector, property)
    expect(color, `${selector} { ${property} }`).toMatch(/^#[0-9a-f]{6}$/)
    expect(contrast(color, VARS.get(background)!)).toBeGreaterThanOrEqual(least)
  })
})
