import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Tests import workspace packages by name; resolve them to their sources so no build is needed.
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@rio\/signature\/(express|fastify|node|web)$/,
        replacement: src('./packages/signature/src/adapters/$1.ts'),
      },
      { find: /^@rio\/signature$/, replacement: src('./packages/signature/src/index.ts') },
      { find: /^@rio\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^rio-client$/, replacement: src('./packages/client/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
