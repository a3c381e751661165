import { createServer } from 'node:http'
import { onCleanup } from '../../../core/test/helpers.js'
import { createMetrics } from '../../src/metrics.js'

/** Serves `createMetrics(rio)` on 127.0.0.1:0 for one test; returns the /metrics URL. */
export async function serveMetrics(rio: Parameters<typeof createMetrics>[0]): Promise<string> {
  const metrics = createMetrics(rio)
  const server = createServer((req, res) => metrics.handler(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        metrics.stop()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`
}
