import { createServer } from 'node:http'
import type { Rio } from '../../../core/src/index.js'
import { onCleanup } from '../../../core/test/helpers.js'
import { createDashboardHandler, type DashboardOptions } from '../../src/dashboard/index.js'

/** Serves the dashboard on 127.0.0.1:0 for one test; returns its base URL (…/dashboard). */
export async function serveDashboard(rio: Rio, options: DashboardOptions): Promise<string> {
  const server = createServer(createDashboardHandler(rio, options))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/dashboard`
}
