/**
 * Webhook delivery as the platform does it (epayment.md §9.5-§9.6): every queued event is
 * POSTed to each registration of its MSN that names its type, signed with the registration's
 * secret; a failure (non-2xx, no answer in 10 s) is retried with growing delays for up to 7
 * days; a payment's events keep their order per registration (a failing one holds back the
 * later ones). One fiber does it, on `Clock`: `TestClock.adjust` runs the retries. Faults
 * (duplicates, delays, lost deliveries, reordering across payments) are injected on demand.
 */
import {
  Chunk,
  Clock,
  Duration,
  Effect,
  Either,
  HashMap,
  Option,
  Queue,
  Ref,
  SortedSet,
} from "effect"
import { createHash, createHmac } from "node:crypto"
import type { OutboxEvent, WebhookRegistration } from "./Platform.js"
import { deterministicUniform, type State } from "./State.js"
import { transact, type World } from "./World.js"

/** The answer must come within 10 seconds (§9.6). */
export const deliveryTimeout = Duration.seconds(10)
/** Deliveries are retried for up to 7 days, then dropped. */
export const retryPeriod = 7 * 24 * 60 * 60 * 1000

/** The delay before retry `n` (1-based): about 2 s at first, then minutes, hours, a day. */
export const retryDelay = (n: number): number => {
  const steps = [2, 10, 60, 300, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600]
  return (steps[n - 1] ?? 24 * 3600) * 1000
}

/** The string to sign of §9.5: three lines, LF, no trailing newline. */
export const stringToSign = (
  pathAndQuery: string,
  date: string,
  host: string,
  contentHash: string,
): string => `POST\n${pathAndQuery}\n${date};${host};${contentHash}`

/** The headers of a signed delivery of `body` to `url` at `date` (RFC 1123). */
export const signDelivery = (
  secret: string,
  url: URL,
  date: string,
  body: string,
): Readonly<Record<string, string>> => {
  const contentHash = createHash("sha256").update(body, "utf8").digest("base64")
  // The secret is the key as UTF-8 text, not base64-decoded (§9.5).
  const signature = createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(stringToSign(`${url.pathname}${url.search}`, date, url.host, contentHash), "utf8")
    .digest("base64")
  return {
    "x-ms-date": date,
    "x-ms-content-sha256": contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  }
}

/**
 * Faults of the deliverer: each probability is drawn per delivery from the seed, so runs
 * repeat. `reorder` delivers the due events of different payments newest first.
 */
export interface WebhookFaults {
  /** A delivery is sent twice. */
  readonly duplicate?: number
  /** A delivery is never sent (as if the platform lost it). */
  readonly lose?: number
  /** A delivery waits `delay` before its first attempt. */
  readonly delayed?: number
  readonly delay?: Duration.DurationInput
  /** Due deliveries of different payments go out newest first, one at a time. */
  readonly reorder?: boolean
}

/** One attempt, as the sandbox's delivery log shows it. */
export interface DeliveryAttempt {
  readonly registrationId: string
  readonly url: string
  readonly eventType: string
  readonly body: string
  readonly attempt: number
  readonly at: number
  /** The receiver's status, or `undefined` when it did not answer in time or at all. */
  readonly status: number | undefined
  readonly outcome: "delivered" | "retrying" | "dropped" | "lost"
  /** The `Authorization` header sent (`HMAC-SHA256 SignedHeaders=…&Signature=…`); none when lost. */
  readonly signature: string | undefined
}

interface Pending {
  readonly seq: number
  readonly registration: WebhookRegistration
  readonly eventType: string
  readonly body: string
  readonly firstDueAt: number
  readonly dueAt: number
  readonly attempts: number
}

interface Deliveries {
  readonly seq: number
  readonly draws: number
  /** Per `registrationId|orderKey`, oldest first. */
  readonly queues: ReadonlyMap<string, ReadonlyArray<Pending>>
  readonly log: ReadonlyArray<DeliveryAttempt>
}

export interface Deliverer {
  readonly setFaults: (faults: WebhookFaults) => Effect.Effect<void>
  readonly attempts: Effect.Effect<ReadonlyArray<DeliveryAttempt>>
  /** How many deliveries wait (for their time, or behind a failing one). */
  readonly pending: Effect.Effect<number>
}

const logLimit = 10_000

const nextDeadlineOf = (state: State): Option.Option<number> => {
  for (const [at] of SortedSet.values(state.deadlines)) return Option.some(at)
  return Option.none()
}

const takeOutbox = (world: World) =>
  transact(world, (state: State) =>
    Either.right([
      {
        events: Chunk.toReadonlyArray(state.platform.outbox),
        registrations: HashMap.toValues(state.platform.webhooks),
        nextDeadline: nextDeadlineOf(state),
      },
      { ...state, platform: { ...state.platform, outbox: Chunk.empty() } },
    ] as const),
  )

/** Starts the deliverer in the current scope; `wake` is what `world.notify` offers to. */
export const startDeliverer = (world: World, wake: Queue.Queue<void>) =>
  Effect.gen(function* () {
    const faults = yield* Ref.make<WebhookFaults>({})
    const deliveries = yield* Ref.make<Deliveries>({
      seq: 0,
      draws: 0,
      queues: new Map(),
      log: [],
    })

    const record = (attempt: DeliveryAttempt) =>
      Ref.update(deliveries, (d) => ({
        ...d,
        log: d.log.length >= logLimit ? [...d.log.slice(1), attempt] : [...d.log, attempt],
      })).pipe(Effect.zipRight(world.changed))

    const enqueue = (
      events: ReadonlyArray<OutboxEvent>,
      registrations: ReadonlyArray<WebhookRegistration>,
      now: number,
    ) =>
      Effect.gen(function* () {
        const current = yield* Ref.get(faults)
        const delay = Duration.toMillis(Duration.decode(current.delay ?? "30 seconds"))
        const lost: Array<DeliveryAttempt> = []
        yield* Ref.update(deliveries, (d) => {
          const queues = new Map(d.queues)
          let { seq, draws } = d
          const draw = (probability: number | undefined) => {
            if (probability === undefined || probability <= 0) return false
            const hit = deterministicUniform(world.seed, "webhook", draws) < probability
            draws += 1
            return hit
          }
          for (const event of events) {
            for (const registration of registrations) {
              if (
                registration.msn !== event.msn ||
                !registration.events.includes(event.eventType)
              ) {
                continue
              }
              const body = JSON.stringify(event.payload)
              if (draw(current.lose)) {
                lost.push({
                  registrationId: registration.id,
                  url: registration.url,
                  eventType: event.eventType,
                  body,
                  attempt: 0,
                  at: now,
                  status: undefined,
                  outcome: "lost",
                  signature: undefined,
                })
                continue
              }
              const dueAt = draw(current.delayed) ? now + delay : now
              const copies = draw(current.duplicate) ? 2 : 1
              const key = `${registration.id}|${event.orderKey}`
              const queue = [...(queues.get(key) ?? [])]
              for (let i = 0; i < copies; i++) {
                queue.push({
                  seq: seq++,
                  registration,
                  eventType: event.eventType,
                  body,
                  firstDueAt: dueAt,
                  dueAt,
                  attempts: 0,
                })
              }
              queues.set(key, queue)
            }
          }
          return { ...d, seq, draws, queues }
        })
        for (const attempt of lost) yield* record(attempt)
      })

    const post = (pending: Pending, now: number) =>
      Effect.gen(function* () {
        const url = new URL(pending.registration.url)
        const headers = signDelivery(
          pending.registration.secret,
          url,
          new Date(now).toUTCString(),
          pending.body,
        )
        const response = yield* Effect.tryPromise((signal) =>
          fetch(url, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: pending.body,
            redirect: "manual",
            signal,
          }).then(async (r) => {
            await r.arrayBuffer().catch(() => undefined)
            return r.status
          }),
        ).pipe(Effect.timeout(deliveryTimeout), Effect.option)
        return { status: Option.getOrUndefined(response), signature: headers.authorization }
      })

    const attempt = (key: string, pending: Pending) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const { status, signature } = yield* post(pending, now)
        const delivered = status !== undefined && status >= 200 && status < 300
        const attempts = pending.attempts + 1
        const retryAt = now + retryDelay(attempts)
        const dropped = !delivered && retryAt > pending.firstDueAt + retryPeriod
        yield* Ref.update(deliveries, (d) => {
          const queue = d.queues.get(key) ?? []
          const rest = queue.filter((p) => p.seq !== pending.seq)
          const queues = new Map(d.queues)
          const next =
            delivered || dropped ? rest : [{ ...pending, attempts, dueAt: retryAt }, ...rest]
          if (next.length === 0) queues.delete(key)
          else queues.set(key, next)
          return { ...d, queues }
        })
        yield* record({
          registrationId: pending.registration.id,
          url: pending.registration.url,
          eventType: pending.eventType,
          body: pending.body,
          attempt: attempts,
          at: now,
          status,
          outcome: delivered ? "delivered" : dropped ? "dropped" : "retrying",
          signature,
        })
      })

    const round = Effect.gen(function* () {
      const { events, registrations, nextDeadline } = yield* takeOutbox(world)
      const now = yield* Clock.currentTimeMillis
      if (events.length > 0) yield* enqueue(events, registrations, now)
      const { queues } = yield* Ref.get(deliveries)
      const heads = [...queues.entries()].flatMap(([key, queue]) =>
        queue[0] === undefined ? [] : [[key, queue[0]] as const],
      )
      const due = heads.filter(([, head]) => head.dueAt <= now)
      if (due.length > 0) {
        const { reorder } = yield* Ref.get(faults)
        if (reorder === true) {
          const newestFirst = [...due].sort(([, a], [, b]) => b.seq - a.seq)
          yield* Effect.forEach(newestFirst, ([key, head]) => attempt(key, head), {
            discard: true,
          })
        } else {
          yield* Effect.forEach(due, ([key, head]) => attempt(key, head), {
            concurrency: "unbounded",
            discard: true,
          })
        }
        return
      }
      // Sleep until the next retry or the next deadline of the state (an expiry makes an
      // event), or until a request wakes us.
      const wakeAt = Math.min(
        ...heads.map(([, head]) => head.dueAt),
        Option.getOrElse(nextDeadline, () => Number.POSITIVE_INFINITY),
      )
      const take = Queue.take(wake)
      yield* Number.isFinite(wakeAt)
        ? Effect.race(take, Effect.sleep(Duration.millis(Math.max(1, wakeAt - now))))
        : take
    })

    // A defect in one round is logged, and delivery goes on.
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.catchAllCause(round, (cause) => Effect.logError("webhook delivery failed", cause)),
      ),
    )

    const deliverer: Deliverer = {
      setFaults: (next) => Ref.set(faults, next),
      attempts: Effect.map(Ref.get(deliveries), (d) => d.log),
      pending: Effect.map(Ref.get(deliveries), (d) =>
        [...d.queues.values()].reduce((n, queue) => n + queue.length, 0),
      ),
    }
    return deliverer
  })
