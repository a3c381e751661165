import { legacyRoutes } from './legacy-route.js'
import type { Route } from './route.js'
import { deliveryRoutes } from './routes/deliveries.js'
import { eventRoutes } from './routes/events.js'
import { handlerRoutes } from './routes/handlers.js'
import { healthRoutes } from './routes/health.js'
import { openApiRoutes } from './routes/openapi.js'
import { projectRoutes } from './routes/projects.js'
import { senderRoutes } from './routes/senders.js'

/**
 * Every route the API serves, in matching order. The router, the OpenAPI document and the tests
 * that hold docs/api.md to it all read this one list.
 */
export const apiRoutes: readonly Route[] = [
  ...eventRoutes,
  ...projectRoutes,
  ...senderRoutes,
  ...handlerRoutes,
  ...deliveryRoutes,
  ...healthRoutes,
  ...legacyRoutes,
  // The document lists the table it is served from, itself included.
  ...openApiRoutes(() => apiRoutes),
]
