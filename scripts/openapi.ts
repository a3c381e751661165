// Regenerates docs/openapi.json, the OpenAPI document of Rio's HTTP API with the default options,
// from the route table and the zod schemas: `pnpm run docs:openapi`. A test fails while the
// committed file differs from what this writes.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { openApiDocument } from '../packages/core/src/index.js'

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url))
writeFileSync(target, `${JSON.stringify(openApiDocument(), null, 2)}\n`)
console.log(`wrote ${target}`)
