import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { hostname } from 'node:os'
import PQueue from 'p-queue'
import { type Clock, monotonicOf } from '../clock.js'
import { diagnostics } from '../diagnostics.js'
import type { DeliveryReport, RioEventBus } from '../events/event-bus.js'
import type { FunctionHandler, Handler, WebhookHandler } from '../handlers/handler.js'
import type { HandlerRegistry } from '../handlers/handler-registry.js'
import { Subscriptions } from '../handlers/subscriptions.js'
import { LOST_ATTEMPT_ERROR } from '../store/delivery.js'
import type { ClaimedDelivery, ClaimSlot, DeliveryOutcome, DeliveryResult, Store } from '../store/store.js'
import { storeFault } from '../store/store-fault.js'
import { describeThrown } from './describe-thrown.js'
import { functionAttempt, runFunction } from './function-runner.js'
import { RateLimiter } from './rate-limiter.js'
import type { FailedAttempt, RetryPolicy } from './retry-policy.js'
import { StoreBackoff } from './store-backoff.js'
import { buildWebhookRequest } from './webhook-request.js'
import type { WebhookSender } from './webhook-sender.js'

/** What the dispatcher needs from Rio's options. */
export interface DispatcherOptions {
  readonly concurrency: number
  readonly leaseMs: number
  readonly pollIntervalMs: number
  readonly claimBatchSize: number
  readonly timeoutMs: number
  readonly disableFailingAfterMs: number
  readonly failingAfterAttempts: number
  readonly userAgent: string
}

interface Lane {
  handler: Handler
  /** False once the handler is disabled or removed: no new claims, running attempts finish. */
  active: boolean
  running: number
  limiter: RateLimiter | null
  /** How many deliveries this round offers it to claim (set for the lanes a round offers a claim). */
  offer: number
  /** How long its claims last: `leaseMs`, and longer for a longer timeout (see `#leaseMs`). */
  leaseMs: number
  /** Its share of each claim, one object reused round after round (the store keeps none). */
  readonly slot: { readonly handlerId: string; limit: number; leaseUntil: number }
}

interface Running {
  readonly done: Promise<void>
}

/** What a round decided for one handler: its attempts run with this timeout, under a lease that outlives it. */
interface Plan {
  readonly handler: Handler
  readonly timeoutMs: number
}

/** An attempt's result plus what the bus needs once it is committed. */
interface Finished {
  readonly result: DeliveryResult
  readonly handler: Handler
  readonly claimed: ClaimedDelivery
}

/** What becomes of a delivery after a failed attempt: another one at some time, or none. */
type FailedOutcome = Exclude<DeliveryOutcome, { readonly kind: 'succeeded' }>

/** A claimed delivery whose last attempt was lost, and when the retry schedule wants the next one instead of now. */
interface Lost {
  readonly claimed: ClaimedDelivery
  readonly handler: Handler
  readonly outcome: FailedOutcome
}

/** What one attempt measured and decided, before it is tied to its delivery. */
type Outcome = Pick<DeliveryResult, 'durationMs' | 'status' | 'responseBody' | 'error' | 'outcome'> & {
  readonly disableHandler?: string | undefined
}

const NOTHING = { durationMs: 0, status: null, responseBody: null, error: null } as const
const SUCCEEDED: DeliveryOutcome = { kind: 'succeeded' }
const DEAD = { kind: 'dead' } as const
const HANDLER_REFRESH_MS = 1000
/**
 * Longest a round waits for a quarter of the pool to be free before claiming what is (see
 * `#round`): the most a delivery can wait for batching's sake behind attempts that hang.
 */
const MAX_BATCH_WAIT_MS = 10
/** Handlers known due that a round offers a claim at least, when it does not offer every handler. */
const MIN_OFFERED = 64
/** The share of the global concurrency kept for handlers with nothing running: one sixteenth (at least 1). */
const RESERVE_SHARE = 16
/** A payload this long (in UTF-16 units) or longer makes its webhook attempts wait a turn of the event loop before signing. */
const BIG_BODY_CHARS = 64 * 1024
/** Reads of the handlers one round makes while changes keep arriving during them. */
const MAX_HANDLER_READS = 3

/** Whether a slot got all it asked for: its handler may have more due. */
function filled(slots: readonly ClaimSlot[], claimed: readonly ClaimedDelivery[]): boolean {
  if (claimed.length === 0) return false
  const perHandler = new Map<string, number>()
  for (const { handlerId } of claimed) perHandler.set(handlerId, (perHandler.get(handlerId) ?? 0) + 1)
  return slots.some((slot) => (perHandler.get(slot.handlerId) ?? 0) >= slot.limit)
}

/**
 * Moves deliveries from the store to handlers. Each round it claims, per handler, as many due
 * deliveries as that handler has free concurrency and rate budget (so one slow or failing endpoint
 * never takes another's turn), runs them on a p-queue bounded by the global concurrency, and writes
 * results back in batches: one transaction for everything that finished together.
 *
 * Fairness: handlers already running share the global pool less a reserve (a sixteenth of it, at
 * least 1, when there is more than one handler); a handler with nothing running may take one
 * reserved slot. Endpoints that hang until their timeout can then hold at most the rest of the pool,
 * never all of it, and a healthy handler's delivery starts at once instead of after their timeouts
 * (measured with seven and eight hanging endpoints and a 3 s timeout: 2.6–2.8 s before, 14–16 ms
 * now). A round waits for a quarter of the pool to be free, to claim in batches, for at most 10 ms.
 *
 * Cost: a round offers a claim only to the handlers that may have work: those due in the due times
 * last read from the store ({@link Store.dueTimes}), and those a local emit or an ended attempt
 * reached since, a few hundred at most, so a round among 10 000 idle handlers costs what one among
 * ten does. Every handler is offered one at least every `pollIntervalMs` (work written by other
 * processes shows nowhere else), after a redeliver or a handler change, and when a lease has run
 * out. Handlers are read again only when the store's `handlersVersion` says one changed.
 *
 * Leases: it claims no more than it can start at once (global and per-handler concurrency, rate
 * tokens), so a claimed delivery never waits here, and each handler's claims last `leaseMs` plus
 * however much longer than `timeoutMs` its own timeout is, so a lease outlives the attempt it covers
 * by at least the configured margin. Should one run out all the same (a clock jump, a stalled
 * event loop) and a claim hand this process a delivery it is still attempting or recording, that
 * attempt stays the only one: the new claim merely extends its lease.
 *
 * Lost attempts: another process's claim whose lease ran out (it crashed, was killed, or stalled)
 * comes back counted as a failed attempt. Before attempting such a delivery again, the retry
 * policy decides, as for any failure, whether it is due now, later (it goes back to wait) or dead
 * (`delivery.dead`, without another attempt), so an event whose handler crashes the process stops
 * after the schedule's attempts instead of crashing every restart.
 *
 * It wakes at once on local emits ({@link Dispatcher.wake}), at the earliest due retry, and every
 * `pollIntervalMs` for work written by other processes.
 */
export class Dispatcher {
  /** Identifies this process's claims; a lease held by another owner is never touched. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  readonly #store: Store
  readonly #bus: RioEventBus
  readonly #clock: Clock
  readonly #options: DispatcherOptions
  readonly #registry: HandlerRegistry
  readonly #policy: RetryPolicy
  readonly #sender: WebhookSender
  readonly #queue: PQueue
  readonly #lanes = new Map<string, Lane>()
  /** The lanes as a list (see `#laneList`); null after they changed. */
  #lanesListed: Lane[] | null = null
  /** The active lanes by project, indexed by pattern (see `emitted`); null after they changed. */
  #lanesByProject: Map<string, Subscriptions> | null = null
  /**
   * The handlers that may have work the last due times do not show (a local emit reached them, an
   * attempt of theirs ended, a round left them more), for the next round to offer a claim; null
   * when that is not known (a redeliver, a handler change), and the next round offers every handler.
   */
  #mayHaveWork: Set<string> | null = null
  /**
   * When each handler's earliest pending delivery is due, as rounds last read it (see
   * `Store.dueTimes`): all of them after a round that offered every handler a claim, those it
   * offered after any other.
   */
  readonly #dueAt = new Map<string, number>()
  /** The earliest lease of a delivery in flight when the due times were last read, or null. */
  #leaseUntil: number | null = null
  /** Where the next round starts among the handlers known due (see `#candidates`). */
  #dueRotation = 0
  /** When (monotonic) a round last offered every handler a claim. */
  #everyLaneAt = Number.NEGATIVE_INFINITY
  readonly #running = new Map<string, Running>()
  /** Deliveries whose result waits to be written: attempted, still ours until the write commits. */
  readonly #recording = new Set<string>()
  /** The clock's time, for the sender's `Retry-After` dates; one function, not one per send. */
  readonly #now = () => this.#clock.now()
  /** For what is measured in memory (handler refreshes, rate windows), so a wall-clock step moves none of it. */
  readonly #monotonic: () => number
  #handlersLoadedAt = Number.NEGATIVE_INFINITY
  /** Counts the times cached handlers were forgotten: a read begun before the last one is stale. */
  #handlersGeneration = 0
  /** The store's handlers version the lanes were read at (see `Store.handlersVersion`), if known. */
  #handlersVersion: string | undefined
  #finished: Finished[] = []
  #flushScheduled = false
  #flushing: Promise<void> = Promise.resolve()
  #state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle'
  #ticking = false
  /** The rounds under way (see `#tick`), for stop() to let them finish before it counts what runs. */
  #ticked: Promise<void> = Promise.resolve()
  /** Set when stop() starts waiting for attempts: its deadline, for {@link Dispatcher.othersSettled}. */
  #stopDeadline: ((stop: { readonly deadline: Promise<void> }) => void) | null = null
  // In an object: a promise resolved with a promise would wait for that one.
  readonly #stopStarted = new Promise<{ readonly deadline: Promise<void> }>(
    (resolve) => (this.#stopDeadline = resolve),
  )
  #again = false
  #rotation = 0
  /** Since when (monotonic) rounds have waited for a quarter of the pool to be free, or null. */
  #batchingSince: number | null = null
  /** Aborts every attempt still running when stop() gives up waiting; one for all, not one each. */
  readonly #stopping = new AbortController()
  #timer: unknown = null
  #timerAt = Number.POSITIVE_INFINITY
  /** Rounds (claims) that failed in a row because the database could not be written. */
  readonly #roundBackoff: StoreBackoff
  /** Result writes that failed in a row because the database could not be written. */
  readonly #resultBackoff: StoreBackoff
  /** The timer of the next try at writing results kept after a store fault. */
  #flushRetry: unknown = null

  constructor(deps: {
    store: Store
    bus: RioEventBus
    clock: Clock
    options: DispatcherOptions
    registry: HandlerRegistry
    policy: RetryPolicy
    sender: WebhookSender
  }) {
    this.#store = deps.store
    this.#bus = deps.bus
    this.#clock = deps.clock
    this.#monotonic = monotonicOf(deps.clock)
    this.#options = deps.options
    this.#registry = deps.registry
    this.#policy = deps.policy
    this.#sender = deps.sender
    this.#queue = new PQueue({ concurrency: deps.options.concurrency })
    this.#roundBackoff = new StoreBackoff(deps.options.pollIntervalMs)
    this.#resultBackoff = new StoreBackoff(deps.options.pollIntervalMs)
    // Every running attempt listens on the one stop signal.
    setMaxListeners(0, this.#stopping.signal)
  }

  /** Deliveries being attempted right now in this process. */
  get inFlight(): number {
    return this.#running.size
  }

  /** When the dispatcher last completed a round, for health checks (ms since epoch). */
  heartbeat = 0

  start(): void {
    if (this.#state !== 'idle') return
    this.#state = 'running'
    this.wake()
  }

  /** Looks for due work now, for any handler (after a redeliver, a handler change). */
  wake(): void {
    this.#mayHaveWork = null
    this.#poke()
  }

  /**
   * Looks for due work now for the handlers these events (just committed here) reach: only their
   * lanes are offered a claim, rather than every handler's.
   */
  emitted(events: ReadonlyArray<{ readonly project: string; readonly name: string }>): void {
    if (this.#mayHaveWork) {
      this.#lanesByProject ??= this.#indexLanes()
      for (const { project, name } of events) {
        for (const id of this.#lanesByProject.get(project)?.match(name) ?? []) this.#mayHaveWork.add(id)
      }
    }
    this.#poke()
  }

  /** The active lanes of each project, indexed by their handlers' patterns. */
  #indexLanes(): Map<string, Subscriptions> {
    const byProject = new Map<string, Array<{ id: string; pattern: string }>>()
    for (const { handler, active } of this.#laneList()) {
      if (!active) continue
      const lanes = byProject.get(handler.project) ?? []
      lanes.push({ id: handler.id, pattern: handler.pattern })
      byProject.set(handler.project, lanes)
    }
    return new Map([...byProject].map(([project, lanes]) => [project, new Subscriptions(lanes)]))
  }

  /** Starts a round, or another after the one under way. */
  #poke(): void {
    if (this.#state !== 'running') return
    if (this.#ticking) {
      this.#again = true
      return
    }
    this.#ticked = this.#tick()
  }

  /** Forgets cached handler settings so the next round reads them again. */
  invalidateHandlers(): void {
    this.#forgetHandlers()
    this.wake()
  }

  #forgetHandlers(): void {
    this.#handlersGeneration++
    this.#handlersLoadedAt = Number.NEGATIVE_INFINITY
    // A function registered or removed here changes the lanes without changing the store.
    this.#handlersVersion = undefined
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for attempts in flight, then aborts the rest and gives
   * their deliveries back (pending, due now) so another process, or the next start, takes them.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'idle') {
      this.#state = 'stopped'
      return
    }
    this.#state = 'stopping'
    this.#clearTimer()
    if (this.#flushRetry !== null) this.#clock.clearTimeout(this.#flushRetry)
    this.#flushRetry = null
    // A round may be claiming (a store that answers late): what it claims is started, and then
    // waited for or given back like the rest, instead of staying in flight until its lease runs out.
    await this.#ticked
    const all = Promise.all([...this.#running.values()].map((r) => r.done))
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
    this.#stopDeadline?.({ deadline })
    await Promise.race([all, deadline])
    clearTimeout(timer)
    const abandoned = [...this.#running.keys()]
    this.#stopping.abort(new Error('Rio is stopping'))
    this.#running.clear()
    this.#queue.clear()
    await this.#flush()
    // A write of results begun before (the store answers late) ends before the store is closed.
    await this.#flushing
    if (abandoned.length > 0) await this.#store.releaseDeliveries(abandoned, this.owner, this.#clock.now())
    this.#state = 'stopped'
  }

  /**
   * For `stop()` called by the function handler whose attempt is `deliveryId`: resolves once
   * stop() has begun and the other attempts have finished, or stop() gave up waiting for them.
   * That attempt's own end is still waited for (up to the same deadline) and recorded.
   */
  async othersSettled(deliveryId: string): Promise<void> {
    const { deadline } = await this.#stopStarted
    const others = [...this.#running].filter(([id]) => id !== deliveryId).map(([, r]) => r.done)
    await Promise.race([Promise.all(others), deadline])
  }

  /**
   * The delivery whose function handler, run by this dispatcher, is calling right now, before its
   * first `await` (see {@link functionAttempt}); undefined elsewhere.
   */
  attemptOfCaller(): string | undefined {
    const attempt = functionAttempt()
    if (attempt?.runner !== this || !this.#running.has(attempt.deliveryId)) return undefined
    return attempt.deliveryId
  }

  async #tick(): Promise<void> {
    this.#ticking = true
    try {
      do {
        this.#again = false
        await this.#round()
        this.#roundBackoff.succeeded()
      } while (this.#again && this.#state === 'running')
    } catch (error) {
      this.#bus.safeEmit('error', error as Error)
      // What the failed round knew of who has work is lost with it: the next one asks every handler.
      this.#mayHaveWork = null
      // The database cannot be written (full disk, lock held elsewhere): each try costs a failed
      // write, or a busy timeout blocking the process, so the waits grow until it recovers.
      const waitMs = storeFault(error) ? this.#roundBackoff.failed() : this.#options.pollIntervalMs
      this.#schedule(this.#clock.now() + waitMs)
    } finally {
      this.#ticking = false
    }
  }

  async #round(): Promise<void> {
    const now = this.#clock.now()
    const tick = this.#monotonic()
    // Read again until no change was announced during the read: from here to the claim nothing is
    // awaited, so a round claims with settings read after every change that had resolved by then.
    // Changes arriving faster than a read must not stop claiming: the last read is used, and the
    // next round reads again.
    for (let read = 1; tick - this.#handlersLoadedAt >= HANDLER_REFRESH_MS; read++) {
      await this.#loadHandlers(tick, read === MAX_HANDLER_READS)
      if (read === MAX_HANDLER_READS) break
    }
    const free = this.#options.concurrency - this.#running.size
    // Full: the next completion wakes us.
    if (free <= 0) return
    // Claim in batches: while plenty is running, wait until a quarter of the capacity is free, so
    // one transaction claims many deliveries instead of one each (completions wake us). But not for
    // long: attempts that hang until their timeout may be what holds the rest, and a handler with
    // nothing running would wait behind them for that whole timeout.
    if (this.#running.size > 0 && free < Math.ceil(this.#options.concurrency / 4)) {
      this.#batchingSince ??= tick
      const waited = tick - this.#batchingSince
      if (waited < MAX_BATCH_WAIT_MS) {
        this.#schedule(now + MAX_BATCH_WAIT_MS - waited)
        return
      }
    }
    this.#batchingSince = null
    // Handlers already running share the pool less a reserve; the reserve goes one delivery at a
    // time to handlers with nothing running. Slow or hanging endpoints (each within its own
    // concurrency) can then fill all but the reserve, never the whole pool: a healthy handler's
    // delivery still starts at once rather than after their timeouts.
    const reserve = this.#lanes.size > 1 ? Math.ceil(this.#options.concurrency / RESERVE_SHARE) : 0
    const shared = free - reserve
    // The lanes offered a claim, each with its `offer`; slots are made for these alone.
    const offered: Lane[] = []
    let rateWaitMs = Number.POSITIVE_INFINITY
    // Every lane with room asks for its share; the store stops at `shared` in all (and skips the
    // handlers with nothing due at little cost). Starting one lane further each round keeps the
    // global limit from always favouring the same handlers.
    const { lanes, every } = this.#candidates(now, tick, free)
    const start = lanes.length > 0 ? this.#rotation++ % lanes.length : 0
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[(start + i) % lanes.length]!
      if (!lane.active) continue
      const laneFree = lane.handler.concurrency - lane.running
      let limit = Math.min(laneFree, this.#options.claimBatchSize, free)
      if (lane.limiter) {
        const tokens = lane.limiter.available(tick)
        if (tokens < limit) rateWaitMs = Math.min(rateWaitMs, lane.limiter.waitMs(tick) || 1)
        limit = Math.min(limit, tokens)
      }
      if (limit <= 0 || (lane.running > 0 && laneFree < Math.ceil(lane.handler.concurrency / 4))) continue
      lane.offer = limit
      offered.push(lane)
    }
    const slots = shared > 0 ? offered.map((lane) => this.#slot(lane, Math.min(lane.offer, shared), now)) : []
    let claimed = await this.#claim(slots, shared, now)
    let claimRan = slots.length > 0
    // A handler that filled its slot may have more due: the next completion or wake starts another round.
    let saturated = claimed.length >= free || filled(slots, claimed)
    // The shared part is full: the handlers with nothing running that got nothing take one each.
    if (reserve > 0 && claimed.length >= shared) {
      const holding = new Set(claimed.map((delivery) => delivery.handlerId))
      const idle = offered
        .filter((lane) => lane.running === 0 && !holding.has(lane.handler.id))
        .map((lane) => this.#slot(lane, 1, now))
      claimed = claimed.concat(await this.#claim(idle, free - claimed.length, now))
      claimRan ||= idle.length > 0
      saturated ||= claimed.length >= free
    }
    const plans = new Map<string, Plan>()
    const lost: Lost[] = []
    for (const delivery of claimed) {
      let plan = plans.get(delivery.handlerId)
      if (!plan) {
        // The lanes are only changed by a round's handler read, before the claim.
        const { handler } = this.#lanes.get(delivery.handlerId)!
        plan = { handler, timeoutMs: this.#attemptTimeout(handler) }
        plans.set(delivery.handlerId, plan)
      }
      const outcome = this.#afterLostAttempt(delivery, plan.handler)
      if (outcome) lost.push({ claimed: delivery, handler: plan.handler, outcome })
      else this.#start(delivery, plan, tick)
    }
    if (lost.length > 0) await this.#settle(lost)
    this.heartbeat = now
    if (saturated && this.#running.size < this.#options.concurrency) {
      // The lanes offered may have more due, those left unserved at the total included.
      for (const lane of offered) this.#mayHaveWork?.add(lane.handler.id)
      this.#again = true
      return
    }
    const next = await this.#nextDue(tick, claimRan, every ? undefined : lanes)
    // The poll: a round over every handler, `pollIntervalMs` after the last one.
    let at = now + Math.max(1, this.#options.pollIntervalMs - (tick - this.#everyLaneAt))
    // Due now but not claimed means the global limit is reached: completions wake us.
    if (next !== null && (next > now || this.#running.size === 0)) at = Math.min(at, Math.max(next, now + 1))
    if (Number.isFinite(rateWaitMs)) at = Math.min(at, now + rateWaitMs)
    this.#schedule(at)
  }

  /**
   * The lanes this round offers a claim: those that may have work, when that is known (the handlers
   * due in the last due times, or reached by what happened since: see `#mayHaveWork`), so a round
   * among 10 000 idle handlers costs as much as one among the few with work. Every lane otherwise,
   * and at least every `pollIntervalMs` (work written by other processes shows nowhere else), and
   * when a lease has run out (the claim brings back whoever's delivery it was).
   */
  #candidates(now: number, tick: number, free: number): { lanes: readonly Lane[]; every: boolean } {
    const hinted = this.#mayHaveWork
    this.#mayHaveWork = new Set()
    if (
      hinted === null ||
      !this.#store.dueTimes ||
      tick - this.#everyLaneAt >= this.#options.pollIntervalMs ||
      (this.#leaseUntil !== null && this.#leaseUntil <= now)
    ) {
      this.#everyLaneAt = tick
      return { lanes: this.#laneList(), every: true }
    }
    const lanes: Lane[] = []
    const offer = (id: string) => {
      const lane = this.#lanes.get(id)
      if (lane) lanes.push(lane)
    }
    // Enough to fill the free slots a few times over, those reached by what just happened first,
    // then those known due, starting further each round: one event to 10 000 handlers is then
    // claimed a few hundred handlers a round, not all 10 000 offered every round.
    const room = Math.max(MIN_OFFERED, 4 * free)
    for (const id of hinted) {
      // The rest wait for the next round.
      if (lanes.length < room) offer(id)
      else this.#mayHaveWork.add(id)
    }
    const due: string[] = []
    for (const [id, at] of this.#dueAt) if (at <= now && !hinted.has(id)) due.push(id)
    const from = due.length > 0 ? this.#dueRotation++ % due.length : 0
    for (let i = 0; i < due.length && lanes.length < room; i++) offer(due[(from + i) % due.length]!)
    return { lanes, every: false }
  }

  /** Whether a lane can take more now: enabled here, below its concurrency, with rate budget left. */
  #open(lane: Lane | undefined, tick: number): boolean {
    if (!lane?.active) return false
    return lane.running < lane.handler.concurrency && (!lane.limiter || lane.limiter.available(tick) > 0)
  }

  /**
   * When the next work of the handlers that can take more is due, or a lease runs out. Only
   * handlers with room count: a full one is woken by its own completions. From the store's due
   * times when it has them (one probe per handler with pending work, where asking for every
   * handler with room took 70–160 ms at 10 000 handlers), else by asking for every handler with room.
   * @param claimed - whether this round claimed (which brings back expired leases): a lease that
   *   runs out counts only then, or one no handler here can take would call for a round every ms
   */
  async #nextDue(tick: number, claimed: boolean, offered?: readonly Lane[]): Promise<number | null> {
    if (!this.#store.dueTimes) {
      const open = this.#laneList().filter((lane) => this.#open(lane, tick))
      return open.length > 0 ? this.#store.nextDueAt(open.map((lane) => lane.handler.id)) : null
    }
    // After a round over every handler, all due times are read again; after one over a few, theirs
    // alone: the others' have not changed but by other processes, which the next round over every
    // handler (within pollIntervalMs) finds.
    const ids = offered?.map((lane) => lane.handler.id)
    const due = await this.#store.dueTimes(ids)
    if (!ids) this.#dueAt.clear()
    for (const id of ids ?? []) if (!due.handlers.has(id)) this.#dueAt.delete(id)
    for (const [id, at] of due.handlers) this.#dueAt.set(id, at)
    this.#leaseUntil = due.leaseUntil
    let next = claimed ? due.leaseUntil : null
    for (const [id, at] of this.#dueAt) {
      if (this.#open(this.#lanes.get(id), tick) && (next === null || at < next)) next = at
    }
    return next
  }

  /** The lanes in a list, made again only when they change: a round walks it without copying the map. */
  #laneList(): readonly Lane[] {
    this.#lanesListed ??= [...this.#lanes.values()]
    return this.#lanesListed
  }

  /** A lane's share of a claim: at most `limit`, leased for as long as its attempts may take. */
  #slot(lane: Lane, limit: number, now: number): ClaimSlot {
    lane.slot.limit = limit
    lane.slot.leaseUntil = now + lane.leaseMs
    return lane.slot
  }

  /** Claims for `slots`, at most `total` in all; nothing when there is nothing to claim or Rio is stopping. */
  async #claim(slots: readonly ClaimSlot[], total: number, now: number): Promise<ClaimedDelivery[]> {
    if (slots.length === 0 || total <= 0 || this.#state !== 'running') return []
    return this.#store.claimDueDeliveries({
      slots,
      total,
      now,
      leaseUntil: now + this.#options.leaseMs,
      owner: this.owner,
      held: this.#held(),
    })
  }

  /**
   * Reads the enabled handlers into lanes, unless they were changed while the read was under way
   * and this is not the round's `last` read (then they are used, and stay due for a read).
   */
  async #loadHandlers(tick: number, last: boolean): Promise<void> {
    const generation = this.#handlersGeneration
    // Read before the handlers, so a change made while they are read shows as a new version.
    const version = await this.#store.handlersVersion?.()
    if (
      version !== undefined &&
      version === this.#handlersVersion &&
      generation === this.#handlersGeneration
    ) {
      // No handler changed since the last read, here or elsewhere: the lanes are current.
      this.#handlersLoadedAt = tick
      return
    }
    const handlers = await this.#store.listHandlers({ enabled: true })
    // Rows read before a change that resolved meanwhile: using them would undo it until the next
    // refresh. They are dropped, and the handlers stay due for a read.
    const stale = generation !== this.#handlersGeneration
    if (stale && !last) return
    const seen = new Set<string>()
    for (const handler of handlers) {
      // A function handler runs only in a process that registered it; others leave its deliveries be.
      if (handler.kind === 'function' && !this.#registry.get(handler.project, handler.name)) continue
      seen.add(handler.id)
      const lane = this.#lanes.get(handler.id)
      if (lane) {
        if (lane.handler.rateLimit !== handler.rateLimit) {
          lane.limiter = handler.rateLimit ? new RateLimiter(handler.rateLimit) : null
        }
        lane.handler = handler
        lane.leaseMs = this.#leaseMs(this.#attemptTimeout(handler))
        lane.active = true
      } else {
        this.#lanes.set(handler.id, {
          handler,
          active: true,
          running: 0,
          limiter: handler.rateLimit ? new RateLimiter(handler.rateLimit) : null,
          offer: 0,
          leaseMs: this.#leaseMs(this.#attemptTimeout(handler)),
          slot: { handlerId: handler.id, limit: 0, leaseUntil: 0 },
        })
      }
    }
    for (const [id, lane] of this.#lanes) {
      if (seen.has(id)) continue
      if (lane.running === 0) this.#lanes.delete(id)
      else lane.active = false
    }
    // Round-robin fairness when the global limit binds: rotate which handler claims first.
    const first = this.#lanes.keys().next()
    if (!first.done && this.#lanes.size > 1) {
      const lane = this.#lanes.get(first.value)!
      this.#lanes.delete(first.value)
      this.#lanes.set(first.value, lane)
    }
    this.#lanesListed = null
    this.#lanesByProject = null
    this.#mayHaveWork = null
    this.#handlersLoadedAt = stale ? Number.NEGATIVE_INFINITY : tick
    this.#handlersVersion = stale ? undefined : version
  }

  /**
   * How long a claim of a handler whose attempts may take `timeoutMs` lasts: `leaseMs`, plus how
   * much longer than the global `timeoutMs` this one is, keeping the margin the options validated.
   */
  #leaseMs(timeoutMs: number): number {
    return this.#options.leaseMs + Math.max(0, timeoutMs - this.#options.timeoutMs)
  }

  /** The longest one attempt of this handler may run. */
  #attemptTimeout(handler: Handler): number {
    return handler.kind === 'webhook' ? handler.timeoutMs : this.#functionTimeout(handler)
  }

  /**
   * For a delivery whose last attempt was lost (already counted), the retry policy's verdict when
   * it is not to be attempted now: later, or dead. Undefined means attempt it now.
   */
  #afterLostAttempt(claimed: ClaimedDelivery, handler: Handler): FailedOutcome | undefined {
    // Still attempted or recorded here: the attempt under way decides its fate (see #start).
    if (!claimed.lastAttemptLost || this.#running.has(claimed.id) || this.#recording.has(claimed.id)) {
      return undefined
    }
    const outcome = this.#decide(claimed.attempts - claimed.retryFrom, handler, {})
    if (outcome.kind === 'retry' && outcome.nextAttemptAt <= this.#clock.now()) return undefined
    return outcome
  }

  /** Writes the retry policy's verdicts on lost attempts, and reports them like other failures. */
  async #settle(lost: readonly Lost[]): Promise<void> {
    try {
      const applied = await this.#store.settleDeliveries(
        lost.map(({ claimed, outcome }) => ({ deliveryId: claimed.id, outcome })),
        { now: this.#clock.now(), owner: this.owner },
      )
      for (const [i, settled] of applied.entries()) {
        if (!settled) continue
        const { claimed, handler, outcome } = lost[i]!
        const report: DeliveryReport = {
          deliveryId: claimed.id,
          handler,
          event: claimed.event,
          attempt: claimed.attempts,
          status: null,
          error: LOST_ATTEMPT_ERROR,
          // Nothing was measured: the attempt's end was never seen.
          durationMs: 0,
          nextAttemptAt: outcome.kind === 'retry' ? new Date(outcome.nextAttemptAt) : null,
        }
        this.#announce(report, outcome.kind, claimed.attempts - claimed.retryFrom)
      }
    } catch (error) {
      // Still claimed by us until their lease runs out; then they come back like any expired claim.
      this.#bus.safeEmit('error', error as Error)
    }
  }

  /**
   * The deliveries this process still holds: attempts under way and results waiting to be
   * written. Their leases are renewed should they run out (the wall clock stepped forward past
   * them, or the database could not be written for long) instead of coming back pending, which
   * would send them a second time while (or after) the first attempt ran.
   */
  #held(): string[] | undefined {
    if (this.#running.size === 0 && this.#recording.size === 0) return undefined
    return [...this.#running.keys(), ...this.#recording]
  }

  /** @param tick - monotonic time, for the rate limiter */
  #start(claimed: ClaimedDelivery, plan: Plan, tick: number): void {
    // Already being attempted or recorded here: its lease ran out and our own claim took it back.
    // Starting it again would send it twice at once; the attempt under way decides its fate.
    if (this.#running.has(claimed.id) || this.#recording.has(claimed.id)) return
    const lane = this.#lanes.get(claimed.handlerId)!
    lane.running++
    lane.limiter?.take(1, tick)
    const done = this.#queue
      .add(() => this.#attempt(claimed, plan, this.#stopping.signal))
      .then((finished) => {
        if (!finished || !this.#running.has(claimed.id)) return
        this.#running.delete(claimed.id)
        this.#recording.add(claimed.id)
        this.#finished.push(finished)
        this.#scheduleFlush()
      })
      .catch((error: unknown) => {
        // Not expected (#attempt turns failures into results), but a delivery must never stay
        // "running" here for good: forget it, and its lease brings it back.
        this.#running.delete(claimed.id)
        this.#bus.safeEmit('error', error as Error)
      })
      .finally(() => {
        lane.running--
      })
    this.#running.set(claimed.id, { done })
  }

  async #attempt(claimed: ClaimedDelivery, plan: Plan, signal: AbortSignal): Promise<Finished | undefined> {
    if (signal.aborted) return undefined
    const { handler, timeoutMs } = plan
    const attempt = claimed.attempts + 1
    const startedAt = this.#clock.now()
    const started = performance.now()
    let measured: Outcome
    try {
      if (diagnostics.attempt.hasSubscribers) {
        diagnostics.attempt.publish({ deliveryId: claimed.id, handler, event: claimed.event, attempt })
      }
      measured =
        handler.kind === 'webhook'
          ? await this.#attemptWebhook(claimed, handler, startedAt, timeoutMs, signal)
          : await this.#attemptFunction(claimed, handler, attempt, timeoutMs, signal)
    } catch (error) {
      // Both paths turn every failure into an outcome; should one throw all the same, the attempt
      // is a failure like any other, recorded and retried on the schedule, not a delivery stuck in flight.
      const message = `attempt failed inside Rio: ${describeThrown(error)}`
      const durationMs = performance.now() - started
      measured = { ...NOTHING, durationMs, error: message, outcome: this.#retryOrDead(claimed, handler, {}) }
    }
    const { disableHandler, ...outcome } = measured
    if (signal.aborted) return undefined
    const result: DeliveryResult = {
      deliveryId: claimed.id,
      handlerId: handler.id,
      startedAt,
      ...outcome,
      // The settings this attempt was made with: the store applies its effects on the handler only
      // while they are current (a 410 from a URL the handler has since left disables nothing).
      handlerVersion: handler.updatedAt.getTime(),
      ...(disableHandler ? { disableHandler } : {}),
    }
    return { result, handler, claimed }
  }

  async #attemptWebhook(
    claimed: ClaimedDelivery,
    handler: WebhookHandler,
    startedAt: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Outcome> {
    // Signing reads the whole body, and a round starts its attempts in one turn of the event loop:
    // an 8 MiB payload to 50 handlers signed 400 MiB before anything else could run (a 0.5–1 s
    // stall of emits and API requests). A big body's attempt signs in a turn of its own instead.
    if (claimed.payloadJson.length >= BIG_BODY_CHARS) await this.#ownTurn()
    let request: ReturnType<typeof buildWebhookRequest>
    try {
      // The payload as stored goes out as is: no parse and re-serialisation per delivery.
      request = buildWebhookRequest(handler, claimed.event, {
        now: startedAt,
        userAgent: this.#options.userAgent,
        payloadJson: claimed.payloadJson,
        bodies: this.#bodiesOf(claimed.event),
      })
    } catch (error) {
      // A template or secret that cannot be used will not work next time either.
      const reason = error instanceof Error ? error.message : describeThrown(error)
      return { ...NOTHING, error: `cannot build the request: ${reason}`, outcome: DEAD }
    }
    const sent = await this.#sender.send(request, { timeoutMs, signal, now: this.#now })
    const measured = {
      durationMs: sent.durationMs,
      status: sent.status,
      responseBody: sent.responseBody,
      error: sent.ok ? null : sent.error,
    }
    const disable =
      sent.directive === 'disable' ? (sent.status === 410 ? 'gone' : 'endpoint_disabled') : undefined
    // A 2xx may still carry `webhook-delivery: disable`: this one is delivered, no more will be.
    if (sent.ok) return { ...measured, outcome: SUCCEEDED, disableHandler: disable }
    if (sent.directive) return { ...measured, outcome: DEAD, disableHandler: disable }
    return {
      ...measured,
      outcome: this.#retryOrDead(claimed, handler, {
        status: sent.status,
        timedOut: sent.timedOut,
        retryAfterMs: sent.retryAfterMs,
      }),
    }
  }

  /**
   * Resolves in a turn of the event loop of its own: each call one turn after the one before, with
   * I/O (emits, API requests, responses) handled in between. Not `setImmediate` alone: the
   * callbacks queued in one turn all run in the next, back to back.
   */
  #ownTurn(): Promise<void> {
    const turn = this.#turns.then(() => new Promise<void>((resolve) => setImmediate(resolve)))
    this.#turns = turn
    return turn
  }

  #turns: Promise<void> = Promise.resolve()

  /**
   * The bodies of an event's webhook requests, shared by its deliveries (see `buildWebhookRequest`):
   * kept while a claim's deliveries of the event hold its object, so a big payload is encoded and
   * held once per claim, not once per handler.
   */
  #bodiesOf(event: ClaimedDelivery['event']): Map<string, Uint8Array> {
    let bodies = this.#bodies.get(event)
    if (!bodies) {
      bodies = new Map()
      this.#bodies.set(event, bodies)
    }
    return bodies
  }

  readonly #bodies = new WeakMap<ClaimedDelivery['event'], Map<string, Uint8Array>>()

  async #attemptFunction(
    claimed: ClaimedDelivery,
    handler: FunctionHandler,
    attempt: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Outcome> {
    const fn = this.#registry.get(handler.project, handler.name)
    if (!fn) {
      const error = 'the function is no longer registered in this process'
      return { ...NOTHING, error, outcome: { kind: 'retry', nextAttemptAt: this.#clock.now() } }
    }
    const ran = await runFunction(fn, claimed.event, {
      deliveryId: claimed.id,
      attempt,
      timeoutMs,
      signal,
      runner: this,
    })
    const measured = { ...NOTHING, durationMs: ran.durationMs, error: ran.error }
    if (ran.ok) return { ...measured, outcome: SUCCEEDED }
    if (ran.unrecoverable) return { ...measured, outcome: DEAD }
    return {
      ...measured,
      outcome: this.#retryOrDead(claimed, handler, {
        timedOut: ran.timedOut,
        requestedDelayMs: ran.requestedDelayMs,
      }),
    }
  }

  /** The retry policy's verdict on the attempt that just failed, as the delivery's next state. */
  #retryOrDead(
    claimed: ClaimedDelivery,
    handler: Handler,
    failure: Omit<FailedAttempt, 'attempts' | 'schedule'>,
  ): DeliveryOutcome {
    return this.#decide(claimed.attempts - claimed.retryFrom + 1, handler, failure)
  }

  /** The retry policy's verdict after `attempts` failed attempts in this round (since `retryFrom`). */
  #decide(
    attempts: number,
    handler: Handler,
    failure: Omit<FailedAttempt, 'attempts' | 'schedule'>,
  ): FailedOutcome {
    const decision = this.#policy.next({ ...failure, attempts, schedule: handler.retrySchedule })
    return decision.retry ? { kind: 'retry', nextAttemptAt: this.#clock.now() + decision.delayMs } : DEAD
  }

  #functionTimeout(handler: FunctionHandler): number {
    return this.#functionTimeouts.get(handler.id) ?? this.#options.timeoutMs
  }

  readonly #functionTimeouts = new Map<string, number>()

  /** Handlers with a timeout of their own from {@link Dispatcher.setFunctionTimeout} (for tests of its cleanup). */
  get functionTimeoutCount(): number {
    return this.#functionTimeouts.size
  }

  /**
   * Per-function timeouts come from code (`rio.on(..., { timeoutMs })`), not the database.
   * `undefined` forgets the handler's timeout: pass it when the handler is removed.
   */
  setFunctionTimeout(handlerId: string, timeoutMs: number | undefined): void {
    if (timeoutMs === undefined) this.#functionTimeouts.delete(handlerId)
    else this.#functionTimeouts.set(handlerId, timeoutMs)
    const lane = this.#lanes.get(handlerId)
    if (lane) lane.leaseMs = this.#leaseMs(this.#attemptTimeout(lane.handler))
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => {
      this.#flushScheduled = false
      this.#flushing = this.#flushing.then(() => this.#flush())
    })
  }

  async #flush(): Promise<void> {
    if (this.#finished.length === 0) return
    const batch = this.#finished
    this.#finished = []
    const now = this.#clock.now()
    let kept = false
    try {
      const outcomes = await this.#store.completeDeliveries(
        batch.map((f) => f.result),
        { now, owner: this.owner, disableAfterMs: this.#options.disableFailingAfterMs },
      )
      for (const [i, outcome] of outcomes.entries()) {
        // Not applied: the delivery was no longer ours (cancelled with its handler, or its lease
        // lost to another process). The attempt is on record; its outcome never happened.
        if (outcome.applied) this.#report(batch[i]!, outcome.attempt)
        if (outcome.handlerDisabled) this.#reportDisabled(batch[i]!.handler, outcome.handlerDisabled)
      }
      this.#resultBackoff.succeeded()
    } catch (error) {
      this.#bus.safeEmit('error', error as Error)
      // The database cannot be written right now: the results are kept (their deliveries stay
      // ours, so none is attempted again meanwhile) and written once it can. Dropped, each would
      // wait for its lease to run out and be delivered again.
      kept = storeFault(error) !== undefined && this.#state === 'running'
      if (kept) {
        this.#finished = [...batch, ...this.#finished]
        this.#retryFlush(this.#resultBackoff.failed())
      }
      // Otherwise the results are lost but the deliveries are not: their leases run out and they are retried.
    } finally {
      if (!kept) for (const finished of batch) this.#recording.delete(finished.result.deliveryId)
    }
    if (!kept && this.#state === 'running') {
      // Their handlers may have more due (a backlog, a retry due at once).
      for (const finished of batch) this.#mayHaveWork?.add(finished.handler.id)
      this.#poke()
    }
  }

  /** Tries again to write the results kept after a store fault, in `delayMs`. */
  #retryFlush(delayMs: number): void {
    if (this.#flushRetry !== null) return
    this.#flushRetry = this.#clock.setTimeout(() => {
      this.#flushRetry = null
      this.#scheduleFlush()
    }, delayMs)
  }

  #report(finished: Finished, attempt: number): void {
    const { result, handler, claimed } = finished
    const report: DeliveryReport = {
      deliveryId: result.deliveryId,
      handler,
      event: claimed.event,
      attempt,
      status: result.status,
      error: result.error,
      durationMs: result.durationMs,
      nextAttemptAt: result.outcome.kind === 'retry' ? new Date(result.outcome.nextAttemptAt) : null,
    }
    if (diagnostics.result.hasSubscribers)
      diagnostics.result.publish({
        ...report,
        outcome: result.outcome.kind,
        responseBody: result.responseBody,
      })
    this.#announce(report, result.outcome.kind, attempt - claimed.retryFrom)
  }

  /** Emits the bus events of an outcome; `round` counts attempts since the last re-queue by hand. */
  #announce(report: DeliveryReport, outcome: DeliveryOutcome['kind'], round: number): void {
    switch (outcome) {
      case 'succeeded':
        this.#bus.safeEmit('delivery.succeeded', report)
        if (round > 1) this.#bus.safeEmit('delivery.recovered', report)
        break
      case 'retry':
        this.#bus.safeEmit('delivery.retrying', report)
        if (round === this.#options.failingAfterAttempts) this.#bus.safeEmit('delivery.failing', report)
        break
      case 'dead':
        this.#bus.safeEmit('delivery.dead', report)
        break
    }
  }

  /** A result disabled its handler (410, `webhook-delivery: disable`, a failure streak): say so. */
  #reportDisabled(handler: Handler, reason: string): void {
    this.#forgetHandlers()
    this.#bus.safeEmit('handler.disabled', { ...handler, enabled: false, disabledReason: reason }, reason)
  }

  #schedule(at: number): void {
    if (this.#state !== 'running') return
    if (this.#timer !== null && at >= this.#timerAt) return
    this.#clearTimer()
    this.#timerAt = at
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null
      this.#timerAt = Number.POSITIVE_INFINITY
      // What it was set for (a retry, a lease, the poll) is in the due times, or due a round over every handler.
      this.#poke()
    }, at - this.#clock.now())
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#timerAt = Number.POSITIVE_INFINITY
  }
}
