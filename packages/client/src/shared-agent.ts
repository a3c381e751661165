import type { Agent } from 'undici'

type Undici = typeof import('undici')

/** An agent and how many transports hold it. */
interface Entry {
  readonly agent: Agent
  users: number
}

// One per connect timeout (the one agent-wide setting that follows a client option); nearly every
// process has one. Module state, not global: each process (a fork, a cluster worker) has its own.
const agents = new Map<number, Entry>()

/** A hold on a shared agent; give it back once with `release()`. */
export interface AgentLease {
  readonly agent: Agent
  /** Gives the hold back; the last one out destroys the agent, closing its connections. */
  release(): Promise<void>
}

/**
 * Lends the process's keep-alive `Agent` for this connect timeout, made on first use. Clients
 * share it, as `fetch` shares its global dispatcher: a client made per request (a serverless
 * handler, a job) then reuses the connections the previous one opened, instead of opening one
 * more each — and leaving it open until its keep-alive timeout, up to a minute behind Rio's
 * `Keep-Alive` hint — with an agent, pools and timers of its own.
 *
 * @param undici - the loaded `undici` module
 * @param connectTimeoutMs - longest wait for a connection (TCP and TLS)
 * @returns the agent, and the function that gives it back
 */
export function leaseAgent(undici: Undici, connectTimeoutMs: number): AgentLease {
  let entry = agents.get(connectTimeoutMs)
  if (entry === undefined) {
    // Each exchange's own timer (`timeoutMs`) bounds the whole request; undici's defaults (300 s
    // for headers and body, 10 s to connect) would otherwise cut a longer `timeoutMs` short with
    // a connection error. Connecting gets `timeoutMs` too: undici cannot cancel a request before
    // it starts, so a connection attempt an exchange gave up on ends about when the exchange did.
    const agent = new undici.Agent({
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: connectTimeoutMs },
    })
    entry = { agent, users: 0 }
    agents.set(connectTimeoutMs, entry)
  }
  const held = entry
  held.users++
  let released = false
  return {
    agent: held.agent,
    release: async () => {
      if (released) return
      released = true
      if (--held.users > 0) return
      if (agents.get(connectTimeoutMs) === held) agents.delete(connectTimeoutMs)
      // Not `agent.close()`: that also waits for requests exchanges gave up on while undici was
      // still connecting for them, until its connect timeout.
      await held.agent.destroy()
    },
  }
}
