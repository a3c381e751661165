import type { OpenApiDocument } from '../../src/index.js'

/**
 * The document's schema with every `$ref` to `components.schemas` written out in place, so a JSON
 * Schema validator sees it whole. Shared by the tests that validate answers against the document.
 */
export function inline(schema: unknown, doc: OpenApiDocument): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inline(item, doc))
  if (typeof schema !== 'object' || schema === null) return schema
  const { $ref, ...rest } = schema as { $ref?: string }
  const out: Record<string, unknown> = {}
  if ($ref !== undefined) {
    const name = /^#\/components\/schemas\/(.+)$/.exec($ref)?.[1]
    const target = name === undefined ? undefined : doc.components.schemas[name]
    if (!target) throw new Error(`unresolved $ref ${$ref}`)
    Object.assign(out, inline(target, doc))
  }
  for (const [key, value] of Object.entries(rest)) out[key] = inline(value, doc)
  return out
}
