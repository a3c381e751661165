import { availableParallelism } from 'node:os'
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
    // Vitest's default is one worker fewer than the cores: on a 2-core CI machine, one — the suite
    // then ran file after file (630 s); most files wait on sockets, processes and timers, and two
    // workers run it in 400 s.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
