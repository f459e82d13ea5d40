/**
 * A local MobilePay: the Integrator Authentication token server, the PoS V10 API and the
 * sandbox user simulation, and the Vipps MobilePay platform (Access Token, ePayment, Webhooks
 * with signed delivery, QR, a simulated customer), on one loopback HTTP server, with controls
 * for tests (request log, token revocation, fault injection, a view of what exists) and, with
 * `page: true`, a page at its root where a person plays the customer and watches the money.
 *
 * Time comes from Effect's `Clock`: build the layer inside `it.effect` / `it.scoped` and
 * `TestClock.adjust` expires tokens (3700 s; the platform's 3600 s), reservations (7 days),
 * idempotency keys (24 h), ePayment payments nobody acts on (10 minutes), capture deadlines
 * (14 days), auto-captures refunds (24 h) and runs webhook retries.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import {
  Context,
  Duration,
  Effect,
  Either,
  HashMap,
  Layer,
  Deferred,
  PubSub,
  Queue,
  Ref,
  Schema,
  type Scope,
} from "effect"
import type { ServeError } from "@effect/platform/HttpServerError"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import type { FaultRule } from "./Fault.js"
import { makeApp, type ReceivedRequest } from "./internal/App.js"
import * as RequestLog from "./internal/RequestLog.js"
import { accessTokenPath } from "./internal/AccessToken.js"
import { authBasePath } from "./internal/Auth.js"
import { customerBasePath } from "./internal/Customer.js"
import { addRule, setRules, type FaultState } from "./internal/Faults.js"
import { pageOperations, readPageFiles } from "./internal/Page.js"
import * as SandboxClock from "./internal/SandboxClock.js"
import { generateSigningKey } from "./internal/Jwt.js"
import { posBasePath, selfCertificationPosBasePath } from "./internal/PosApi.js"
import {
  activePaymentStatuses,
  allPayments,
  allPointsOfSale,
  allRefunds,
  initialState,
  paymentOf,
  withPayment,
  type Payment,
  type PointOfSale,
  type Refund,
  type State,
} from "./internal/State.js"
import { userSimulationBasePath } from "./internal/UserSimulation.js"
import { snapshot, transact, type World } from "./internal/World.js"
import {
  startDeliverer,
  type DeliveryAttempt,
  type WebhookFaults,
} from "./internal/WebhookDelivery.js"
import {
  integratorClients,
  merchants,
  platformUsers,
  salesUnits,
  testUsers,
  type IntegratorClient,
  type Merchant,
  type PlatformUser,
  type SalesUnit,
  type TestUser,
} from "./SeedData.js"

export type {
  /**
   * One webhook delivery attempt: where, what, when, the receiver's status and the outcome
   * (`delivered`, `retrying`, `dropped` after 7 days, `lost` by an injected fault).
   *
   * @since 0.2.0
   * @category models
   */
  DeliveryAttempt,
  /**
   * Faults of webhook delivery: duplicates, delays, lost deliveries, reordering across payments.
   *
   * @since 0.2.0
   * @category models
   */
  WebhookFaults,
} from "./internal/WebhookDelivery.js"
export type {
  /**
   * A request as the sandbox received it: method, path, headers and body.
   *
   * @since 0.1.0
   * @category models
   */
  ReceivedRequest,
} from "./internal/App.js"
export type {
  /**
   * How a customer finds a point of sale: `QR`, `NFC` or `Bluetooth`.
   *
   * @since 0.1.0
   * @category models
   */
  BeaconType,
  /**
   * The currencies MobilePay PoS takes: `DKK` and `EUR`.
   *
   * @since 0.1.0
   * @category models
   */
  CurrencyCode,
  /**
   * Who created a resource: the integrator client and the merchant.
   *
   * @since 0.1.0
   * @category models
   */
  Owner,
  /**
   * A payment as the sandbox holds it, with its status as of now.
   *
   * @since 0.1.0
   * @category models
   */
  Payment,
  /**
   * The states of a payment.
   *
   * @since 0.1.0
   * @category models
   */
  PaymentStatus,
  /**
   * When a payment will be captured after it is reserved.
   *
   * @since 0.1.0
   * @category models
   */
  PlannedCaptureDelay,
  /**
   * A point of sale as the sandbox holds it.
   *
   * @since 0.1.0
   * @category models
   */
  PointOfSale,
  /**
   * A refund as the sandbox holds it, with its status as of now.
   *
   * @since 0.1.0
   * @category models
   */
  Refund,
  /**
   * The states of a refund.
   *
   * @since 0.1.0
   * @category models
   */
  RefundStatus,
  /**
   * The restrictions a payment can carry (e.g. no debit cards).
   *
   * @since 0.1.0
   * @category models
   */
  Restrictions,
} from "./internal/State.js"

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Sandbox {
  /**
   * What a test or example gets from a running sandbox.
   *
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** `http://127.0.0.1:PORT`. */
    readonly baseUrl: string
    /** The port the server listens on (the free one picked for `port: 0`). */
    readonly port: number
    /**
     * The seed of this run: the one given, or the one drawn; pass it as `seed` to repeat the run.
     * @since 0.2.0
     */
    readonly seed: string
    /** Integrator Authentication base URL; the token endpoint is `${authUrl}/connect/token`. */
    readonly authUrl: string
    /** PoS V10 base URL (`.../pos/v10`). */
    readonly posUrl: string
    /** The same PoS V10 under MobilePay's self-certification path (`.../pos-self-certification-api/pos/v10`). */
    readonly selfCertificationPosUrl: string
    /** User simulation base URL (`.../pos/app/usersimulation`). */
    readonly userSimulationUrl: string
    /** The demo integrator clients that can get tokens. */
    readonly clients: ReadonlyArray<IntegratorClient>
    /** The seeded merchants and their stores. */
    readonly merchants: ReadonlyArray<Merchant>
    /** MobilePay's documented test users. */
    readonly testUsers: ReadonlyArray<TestUser>

    /**
     * The Access Token API's endpoint, `${baseUrl}/accesstoken/get`. The ePayment, Webhooks and
     * QR APIs are served at `baseUrl` too (`/epayment/v1`, `/webhooks/v1`, `/qr/v1`).
     * @since 0.2.0
     */
    readonly accessTokenUrl: string
    /**
     * The sandbox-only simulated customer of the platform (`${baseUrl}/sandbox/v1/customer`).
     * @since 0.2.0
     */
    readonly customerUrl: string
    /**
     * The demo sales units of the platform (client id, secret, subscription keys, MSN).
     * @since 0.2.0
     */
    readonly salesUnits: ReadonlyArray<SalesUnit>
    /**
     * The platform's test users (phone numbers, personal QR texts).
     * @since 0.2.0
     */
    readonly platformUsers: ReadonlyArray<PlatformUser>

    /**
     * The page's URL (`${baseUrl}/`) when the sandbox serves it (`page: true`).
     * @since 0.2.0
     */
    readonly pageUrl: string | undefined
    /** Every request received so far, oldest first, headers and body as received. */
    readonly requests: Effect.Effect<ReadonlyArray<ReceivedRequest>>
    /**
     * How much the request log holds: requests and (approximate) bytes.
     * @since 0.2.0
     */
    readonly requestLogSize: Effect.Effect<{ readonly entries: number; readonly bytes: number }>
    /** Forgets the request log. */
    readonly clearRequests: Effect.Effect<void>
    /**
     * How many issued tokens the sandbox remembers; expired ones are forgotten.
     * @since 0.2.0
     */
    readonly issuedTokens: Effect.Effect<number>
    /** Revokes every token issued so far (to one client, if given); returns how many. */
    readonly revokeTokens: (clientId?: string) => Effect.Effect<number>
    /** Replaces the fault rules (their `times` counters restart). */
    readonly setFaults: (rules: ReadonlyArray<FaultRule>) => Effect.Effect<void>
    /** Adds one fault rule after the existing ones. */
    readonly addFault: (rule: FaultRule) => Effect.Effect<void>
    /** Removes every fault rule. */
    readonly clearFaults: Effect.Effect<void>

    /**
     * Replaces the webhook delivery faults (`{}` for none).
     * @since 0.2.0
     */
    readonly setWebhookFaults: (faults: WebhookFaults) => Effect.Effect<void>
    /**
     * Every webhook delivery attempt so far (the newest 10000), oldest first.
     * @since 0.2.0
     */
    readonly webhookAttempts: Effect.Effect<ReadonlyArray<DeliveryAttempt>>
    /**
     * How many webhook deliveries wait for their time or behind a failing one.
     * @since 0.2.0
     */
    readonly pendingWebhooks: Effect.Effect<number>

    /** The points of sale created so far, deleted ones included. */
    readonly pointsOfSale: Effect.Effect<ReadonlyArray<PointOfSale>>
    /** The payments so far, with their status as of now (`Clock`). */
    readonly payments: Effect.Effect<ReadonlyArray<Payment>>
    /** The refunds so far, with their status as of now (`Clock`). */
    readonly refunds: Effect.Effect<ReadonlyArray<Refund>>
    /** Activates or deactivates a seeded store (409 1204 on new payments when deactivated). */
    readonly setStoreActivated: (storeId: string, activated: boolean) => Effect.Effect<void>
    /** Sets a store's balance for refunds (409 1368 when short); `undefined` = unlimited. */
    readonly setStoreBalance: (storeId: string, balance: number | undefined) => Effect.Effect<void>
    /** MobilePay gives up on an active payment: it becomes `CancelledByMobilePay`. Returns whether it was active. */
    readonly cancelPaymentByMobilePay: (paymentId: string) => Effect.Effect<boolean>
  }
}

/**
 * The running sandbox.
 *
 * @since 0.1.0
 * @category tags
 */
export class Sandbox extends Context.Tag("@effect-mobilepay/sandbox/Sandbox")<
  Sandbox,
  Sandbox.Service
>() {}

/**
 * @since 0.1.0
 * @category options
 */
export interface SandboxOptions {
  /** The port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number
  /** The interface to listen on. @default "127.0.0.1" */
  readonly host?: string
  /**
   * Drives generated ids, correlation ids and fault draws: same seed, same run. Without one
   * each run draws its own (see `Service.seed`), so a restarted sandbox never hands out the ids
   * of an earlier run. @default a random UUID
   */
  readonly seed?: string
  /** Lifetime of access tokens. @default 3700 seconds */
  readonly tokenLifetime?: Duration.DurationInput
  /** The `pollDelayInMs` of polling responses. @default 1000 millis */
  readonly pollDelay?: Duration.DurationInput
  /** Fault rules active from the start. @default [] */
  readonly faults?: ReadonlyArray<FaultRule>
  /** Larger request bodies are refused with 413. @default 65536 */
  readonly maxBodyBytes?: number
  /** The request log keeps the newest this many requests. @default 10000 */
  readonly requestLogLimit?: number
  /**
   * The request log keeps at most this many bytes (bodies, headers, paths), dropping the
   * oldest requests first. @default 16 MiB
   * @since 0.2.0
   */
  readonly requestLogMaxBytes?: number
  /**
   * The request log keeps at most this many bytes of each body (the cut is marked).
   * @default 4096
   * @since 0.2.0
   */
  readonly requestLogBodyBytes?: number
  /** Replaces the seeded integrator clients. @default SeedData.integratorClients */
  readonly clients?: ReadonlyArray<IntegratorClient>
  /**
   * Lifetime of Access Token API tokens (the test environment's hour).
   * @default 3600 seconds
   * @since 0.2.0
   */
  readonly accessTokenLifetime?: Duration.DurationInput
  /**
   * Replaces the seeded sales units of the platform. @default SeedData.salesUnits
   * @since 0.2.0
   */
  readonly salesUnits?: ReadonlyArray<SalesUnit>
  /**
   * ePayment's rate limits per minute (§8): create, capture, cancel and refund per reference
   * and MSN; get and event log per reference and subscription key.
   * @default { modifications: 5, gets: 120 }
   * @since 0.2.0
   */
  readonly rateLimits?: { readonly modifications?: number; readonly gets?: number }
  /**
   * Serve the page at the root (`${baseUrl}/`): a person plays the customer's phone and
   * watches payments, requests and webhooks live, sets fault rules and moves the clock. Its
   * routes are not logged nor faulted. The CLI serves it unless `--no-page`.
   * @default false
   * @since 0.2.0
   */
  readonly page?: boolean
}

/**
 * An option of {@link make} or {@link layer} that cannot be used (an unreadable or negative
 * duration, a port outside 0-65535, a size that is not a whole number): nothing listens.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidSandboxOption extends Schema.TaggedError<InvalidSandboxOption>()(
  "InvalidSandboxOption",
  {
    /** The option's name, e.g. `tokenLifetime`. */
    option: Schema.String,
    /** What is wrong with it. */
    reason: Schema.String,
  },
) {
  override get message(): string {
    return `Sandbox option ${this.option} ${this.reason}`
  }
}

const invalid = (option: string, reason: string) =>
  Either.left(new InvalidSandboxOption({ option, reason }))

// A duration option in whole units of `unit` milliseconds (seconds for token lifetimes), at
// least `min` of them. Duration.decode alone would throw on "soon" and read -5 as 0.
const durationOption = (
  option: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput,
  unit: number,
  min: number,
): Either.Either<number, InvalidSandboxOption> => {
  if ((typeof input === "number" && !(input >= 0)) || (typeof input === "bigint" && input < 0n)) {
    return invalid(option, "must not be negative")
  }
  if (typeof input === "string" && /^\s*-/.test(input)) {
    return invalid(option, "must not be negative")
  }
  // [seconds, nanos]: Duration.decode reads NaN and negative parts as 0.
  if (Array.isArray(input) && !input.every((part) => Number.isFinite(part) && part >= 0)) {
    return invalid(option, "must not be negative")
  }
  const decoded = Duration.decodeUnknown(input ?? fallback)
  if (decoded._tag === "None") return invalid(option, "is not a duration")
  if (!Duration.isFinite(decoded.value)) return invalid(option, "must be finite")
  const units = Math.round(Duration.toMillis(decoded.value) / unit)
  return units < min ? invalid(option, `must be at least ${min * unit} ms`) : Either.right(units)
}

const integerOption = (
  option: string,
  input: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): Either.Either<number, InvalidSandboxOption> => {
  const value = input ?? fallback
  return Number.isSafeInteger(value) && value >= min && value <= max
    ? Either.right(value)
    : invalid(option, `must be a whole number from ${min} to ${max}`)
}

const update = (world: World, change: (state: State) => State): Effect.Effect<void> =>
  transact(world, (state) => Either.right([undefined, change(state)] as const))

/**
 * Starts a sandbox in the current scope; it stops when the scope closes.
 *
 * @example
 * ```ts
 * import { Sandbox } from "@effect-mobilepay/sandbox"
 * import { Effect } from "effect"
 *
 * // A local MobilePay while the scope is open; port 0 (the default) picks a free one.
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const sandbox = yield* Sandbox.make({ port: 4010 })
 *     yield* Effect.log(`token server ${sandbox.authUrl}, PoS V10 ${sandbox.posUrl}`)
 *     yield* Effect.never
 *   }),
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: SandboxOptions = {},
): Effect.Effect<Sandbox.Service, ServeError | InvalidSandboxOption, Scope.Scope> =>
  Effect.gen(function* () {
    const host = options.host ?? "127.0.0.1"
    const tokenLifetimeSeconds = yield* durationOption(
      "tokenLifetime",
      options.tokenLifetime,
      "3700 seconds",
      1000,
      1,
    )
    const accessTokenLifetimeSeconds = yield* durationOption(
      "accessTokenLifetime",
      options.accessTokenLifetime,
      "3600 seconds",
      1000,
      1,
    )
    const pollDelayInMs = yield* durationOption("pollDelay", options.pollDelay, "1 second", 1, 0)
    const rateLimits = {
      modifications: yield* integerOption(
        "rateLimits.modifications",
        options.rateLimits?.modifications,
        5,
        1,
      ),
      gets: yield* integerOption("rateLimits.gets", options.rateLimits?.gets, 120, 1),
    }
    const listenOn = yield* integerOption("port", options.port, 0, 0, 65535)
    const maxBodyBytes = yield* integerOption("maxBodyBytes", options.maxBodyBytes, 65536, 1)
    const log = RequestLog.make({
      entries: yield* integerOption("requestLogLimit", options.requestLogLimit, 10_000, 1),
      bytes: yield* integerOption(
        "requestLogMaxBytes",
        options.requestLogMaxBytes,
        16 * 1024 * 1024,
        1,
      ),
      bodyBytes: yield* integerOption("requestLogBodyBytes", options.requestLogBodyBytes, 4096, 0),
    })
    // Wakes the webhook deliverer; one pending wake-up is enough.
    const wake = yield* Queue.sliding<void>(1)
    // Tells the page's live views something changed; each keeps only the newest signal.
    const changes = yield* PubSub.sliding<void>(1)
    // The sandbox's time: the clock it starts on, plus what the page moved it forward.
    const clock = yield* SandboxClock.make
    // Without a seed every run is new: a restarted sandbox must not hand out the ids of its
    // previous run, which a client's journal would take for the old payments.
    const seed = options.seed ?? (yield* Effect.sync(() => randomUUID()))
    const world: World = {
      seed,
      key: generateSigningKey(),
      tokenLifetimeSeconds,
      pollDelayInMs,
      clients: options.clients ?? integratorClients,
      merchants,
      users: testUsers,
      state: yield* Ref.make(initialState(seed)),
      salesUnits: options.salesUnits ?? salesUnits,
      platformUsers,
      accessTokenLifetimeSeconds,
      rateLimits,
      notify: Effect.asVoid(Queue.offer(wake, undefined)),
      changed: Effect.asVoid(PubSub.publish(changes, undefined)),
    }
    const faults = yield* Ref.make<FaultState>({
      rules: (options.faults ?? []).map((rule) => ({ rule, fired: 0 })),
      draws: 0,
    })
    const requestCounter = yield* Ref.make(0)

    const server = yield* NodeHttpServer.make(() => createServer(), {
      port: listenOn,
      host,
    })
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    const baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
    // Runs before the server closes (finalizers run last first): the page's live views end,
    // so no open event stream keeps the server from closing.
    const closing = yield* Deferred.make<void>()
    yield* Effect.addFinalizer(() => Deferred.succeed(closing, undefined))
    const onClock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.withClock(effect, clock.clock)
    const deliverer = yield* onClock(startDeliverer(world, wake))
    const page =
      options.page === true
        ? pageOperations({
            world,
            files: yield* readPageFiles,
            clock,
            log,
            faults,
            deliverer,
            changes,
            closing,
          })
        : undefined
    const app = yield* makeApp(
      world,
      { log, faults, requestCounter },
      {
        fallbackHost: baseUrl.slice("http://".length),
        maxBodyBytes,
        page,
      },
    )
    // Served from this fiber, so handlers run with its services: a test's TestClock included.
    yield* server.serve(onClock(app))

    const service: Sandbox.Service = {
      baseUrl,
      port,
      seed,
      authUrl: `${baseUrl}${authBasePath}`,
      posUrl: `${baseUrl}${posBasePath}`,
      selfCertificationPosUrl: `${baseUrl}${selfCertificationPosBasePath}`,
      userSimulationUrl: `${baseUrl}${userSimulationBasePath}`,
      accessTokenUrl: `${baseUrl}${accessTokenPath}`,
      customerUrl: `${baseUrl}${customerBasePath}`,
      salesUnits: world.salesUnits,
      platformUsers: world.platformUsers,
      clients: world.clients,
      merchants: world.merchants,
      testUsers: world.users,
      requests: log.entries,
      requestLogSize: log.size,
      clearRequests: log.clear,
      pageUrl: page === undefined ? undefined : `${baseUrl}/`,
      issuedTokens: onClock(Effect.map(snapshot(world), (state) => HashMap.size(state.tokens))),
      revokeTokens: (clientId) =>
        onClock(
          transact(world, (state) => {
            let revoked = 0
            const tokens = HashMap.map(state.tokens, (token) => {
              if (token.revoked || (clientId !== undefined && token.clientId !== clientId)) {
                return token
              }
              revoked += 1
              return { ...token, revoked: true }
            })
            return Either.right([revoked, { ...state, tokens }] as const)
          }),
        ),
      setFaults: (rules) => Effect.zipRight(setRules(faults, rules), world.changed),
      addFault: (rule) => Effect.zipRight(addRule(faults, rule), world.changed),
      clearFaults: Effect.zipRight(setRules(faults, []), world.changed),
      setWebhookFaults: deliverer.setFaults,
      webhookAttempts: deliverer.attempts,
      pendingWebhooks: deliverer.pending,
      pointsOfSale: onClock(Effect.map(snapshot(world), allPointsOfSale)),
      payments: onClock(Effect.map(snapshot(world), allPayments)),
      refunds: onClock(Effect.map(snapshot(world), allRefunds)),
      setStoreActivated: (storeId, activated) =>
        onClock(
          update(world, (state) => ({
            ...state,
            storeActivation: new Map(state.storeActivation).set(storeId, activated),
          })),
        ),
      setStoreBalance: (storeId, balance) =>
        onClock(
          update(world, (state) => {
            const storeBalance = new Map(state.storeBalance)
            if (balance === undefined) storeBalance.delete(storeId)
            else storeBalance.set(storeId, balance)
            return { ...state, storeBalance }
          }),
        ),
      cancelPaymentByMobilePay: (paymentId) =>
        onClock(
          transact(world, (state) => {
            const payment = paymentOf(state, paymentId)
            if (payment === undefined || !activePaymentStatuses.has(payment.status)) {
              return Either.right([false, state] as const)
            }
            return Either.right([
              true,
              withPayment(state, { ...payment, status: "CancelledByMobilePay" }),
            ] as const)
          }),
        ),
    }
    return service
  })

/**
 * The sandbox as a layer: listens while the layer is alive.
 *
 * @example
 * ```ts
 * import { Sandbox } from "@effect-mobilepay/sandbox"
 * import { Effect } from "effect"
 *
 * // In a test: point the client at `sandbox.authUrl` and `sandbox.posUrl` (with `Environment.custom`
 * // from `@effect-mobilepay/core`), run the code under test, then look at what the sandbox saw.
 * const payments = Effect.flatMap(Sandbox.Sandbox, (sandbox) => sandbox.payments).pipe(
 *   Effect.provide(Sandbox.layer()),
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: SandboxOptions = {},
): Layer.Layer<Sandbox, ServeError | InvalidSandboxOption> => Layer.scoped(Sandbox, make(options))
