/**
 * The Webhooks API (`/webhooks/v1`, epayment.md §9.1): register, list and delete, per MSN.
 * Delivery is `WebhookDelivery`'s.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Chunk, Effect, Either, HashMap, Option, Schema } from "effect"
import { createHash } from "node:crypto"
import { authorizePlatform } from "./AccessToken.js"
import { invalidField, NotFound, respondJson } from "./Http.js"
import { platformJsonBody } from "./PlatformInput.js"
import type { PlatformOperation } from "./PlatformApi.js"
import type { WebhookRegistration } from "./Platform.js"
import { deterministicGuid, type State } from "./State.js"
import { transact, type World } from "./World.js"

export const webhooksBasePath = "/webhooks/v1"

/** The event types a registration may name (§9.2). */
export const knownEventTypes: ReadonlySet<string> = new Set([
  "epayments.payment.created.v1",
  "epayments.payment.authorized.v1",
  "epayments.payment.aborted.v1",
  "epayments.payment.expired.v1",
  "epayments.payment.terminated.v1",
  "epayments.payment.captured.v1",
  "epayments.payment.cancelled.v1",
  "epayments.payment.refunded.v1",
  "user.checked-in.v1",
])

export const checkedInEvent = "user.checked-in.v1"

/** Registrations per event type per MSN (live; the file's text says 5). */
export const registrationsPerEvent = 25

const RegisterBody = Schema.Struct({
  url: Schema.String,
  events: Schema.Array(Schema.String),
})

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" ||
  hostname === "[::1]" ||
  hostname === "::1" ||
  /^127\.\d+\.\d+\.\d+$/.test(hostname)

/**
 * HTTPS as the platform demands; the sandbox also takes http:// to a loopback host, so a test
 * or a developer's machine can receive deliveries without TLS.
 */
const urlProblem = (text: string): string | undefined => {
  const url = Either.getOrUndefined(Either.try(() => new URL(text)))
  if (url === undefined) return "must be an absolute URL"
  if (url.protocol === "https:") return undefined
  if (url.protocol === "http:" && isLoopback(url.hostname)) return undefined
  return "must use HTTPS (the sandbox also accepts http:// to a loopback host)"
}

const registrationsOf = (state: State, msn: string) =>
  Chunk.toReadonlyArray(state.platform.webhookOrder).flatMap((id) =>
    Option.toArray(HashMap.get(state.platform.webhooks, id)).filter((r) => r.msn === msn),
  )

const register = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, false)
    const body = yield* platformJsonBody(RegisterBody)
    const problem = urlProblem(body.url)
    if (problem !== undefined) return yield* invalidField("url", problem)
    if (body.events.length === 0) return yield* invalidField("events", "must name an event")
    const unknown = body.events.find((event) => !knownEventTypes.has(event))
    if (unknown !== undefined) return yield* invalidField("events", `unknown event ${unknown}`)
    if (new Set(body.events).size !== body.events.length) {
      return yield* invalidField("events", "names an event twice")
    }
    const registration = yield* transact(world, (state) => {
      const existing = registrationsOf(state, caller.msn)
      for (const event of body.events) {
        const limit = event === checkedInEvent ? 1 : registrationsPerEvent
        if (existing.filter((r) => r.events.includes(event)).length >= limit) {
          // What the platform answers over the limit is undocumented: a 400 naming the event.
          return Either.left(
            invalidField("events", `at most ${limit} registrations for ${event} per sales unit`),
          )
        }
      }
      const id = deterministicGuid(`${world.seed}:webhook`, state.counter)
      const secret = createHash("sha512")
        .update(`${world.seed}:webhook-secret:${state.counter}`)
        .digest("base64")
      const created: WebhookRegistration = {
        id,
        msn: caller.msn,
        url: body.url,
        events: body.events,
        secret,
      }
      return Either.right([
        created,
        {
          ...state,
          counter: state.counter + 1,
          platform: {
            ...state.platform,
            webhooks: HashMap.set(state.platform.webhooks, id, created),
            webhookOrder: Chunk.append(state.platform.webhookOrder, id),
          },
        },
      ] as const)
    })
    return respondJson({ id: registration.id, secret: registration.secret }, 201)
  })

const list = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, false)
    const registrations = yield* transact(world, (state) =>
      Either.right([registrationsOf(state, caller.msn), state] as const),
    )
    return respondJson({
      webhooks: registrations.map((r) => ({ id: r.id, url: r.url, events: r.events })),
    })
  })

const remove = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, false)
    const id = (yield* HttpRouter.params)["id"] ?? ""
    yield* transact(world, (state) => {
      const registration = Option.getOrUndefined(HashMap.get(state.platform.webhooks, id))
      if (registration === undefined || registration.msn !== caller.msn) {
        return Either.left(new NotFound({ what: "webhook" }))
      }
      return Either.right([
        undefined,
        {
          ...state,
          platform: {
            ...state.platform,
            webhooks: HashMap.remove(state.platform.webhooks, id),
            webhookOrder: Chunk.filter(state.platform.webhookOrder, (other) => other !== id),
          },
        },
      ] as const)
    })
    return HttpServerResponse.empty({ status: 204 })
  })

export const webhookOperations = (world: World): ReadonlyArray<PlatformOperation> => [
  ["POST", `${webhooksBasePath}/webhooks`, register(world)],
  ["GET", `${webhooksBasePath}/webhooks`, list(world)],
  ["DELETE", `${webhooksBasePath}/webhooks/:id`, remove(world)],
]
