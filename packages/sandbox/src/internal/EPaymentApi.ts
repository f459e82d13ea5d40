/**
 * The ePayment API (`/epayment/v1`, epayment.md §5-§8): create, get, event log, capture,
 * cancel (with `cancelTransactionOnly`), refund and force approve, on the state machine
 * `CREATED → AUTHORIZED | ABORTED | EXPIRED | TERMINATED` with aggregates, deadlines on `Clock`,
 * idempotency as §3.1, reference uniqueness per MSN and the rate limits of §8.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Either, HashMap, Option, type Schema } from "effect"
import { authorizePlatform, type PlatformCaller } from "./AccessToken.js"
import {
  header,
  Incoming,
  invalidField,
  Problem,
  respondJson,
  rule,
  type IncomingRequest,
} from "./Http.js"
import {
  CancelBody,
  CreatePaymentBody,
  createFieldCodes,
  ForceApproveBody,
  ModificationBody,
  modificationFieldCodes,
  referencePattern,
} from "./EPaymentInput.js"
import {
  countRequest,
  customerTimeout,
  ePaymentOf,
  eventView,
  paymentKey,
  withEPayment,
  type CustomerRef,
  type EPayment,
  type EPaymentEventName,
} from "./Platform.js"
import { decodePlatform, platformJson } from "./PlatformInput.js"
import type { PlatformOperation } from "./PlatformApi.js"
import {
  DAY,
  deterministicGuid,
  idempotentAnswerOf,
  pspReferenceOf,
  withEPaymentDeadline,
  withIdempotentAnswer,
  type State,
} from "./State.js"
import {
  platformUserByPersonalQr,
  platformUserByPhone,
  salesUnitByMsn,
  transact,
  type World,
} from "./World.js"

export const ePaymentBasePath = "/epayment/v1"

/** Captures are possible for 14 days after authorization in Denmark and Finland (§6). */
export const captureWindow = 14 * DAY
/** Refunds within 365 days, counted from the reservation (the stricter reading of §5.3). */
export const refundWindow = 365 * DAY
/** `expiresAt` may be at most 60 days ahead (live; the file says 28). */
export const longestExpiry = 60 * DAY

/** Amounts (minor units) whose approval fails in the test environment (§12). */
export const failingApprovalAmounts: ReadonlyMap<number, string> = new Map([
  [151, "insufficient funds"],
  [182, "refused by issuer"],
  [183, "suspected fraud"],
  [184, "limit exceeded"],
  [186, "expired card"],
  [187, "invalid card"],
])

/** What a handler answers: a status and a JSON body, or no body. */
interface Answer {
  readonly status: number
  readonly body: unknown
}

type Step = Either.Either<readonly [Answer, State], Problem>

const respond = (answer: Answer) =>
  answer.body === undefined
    ? HttpServerResponse.empty({ status: answer.status })
    : respondJson(answer.body, answer.status)

/** The codes a client retries with the same key: their refusals are not remembered. */
const retryableCodes: ReadonlySet<string> = new Set(["6160", "6250", "6280"])

const notFound = () =>
  new Problem({
    status: 404,
    title: "Payment not found",
    detail: "No payment with this reference for this Merchant-Serial-Number",
    code: "5090",
  })

export const baseUrlOf = (request: IncomingRequest): string =>
  `http://${request.headers["host"] ?? "127.0.0.1"}`

const money = (payment: EPayment, value: number) => ({ currency: payment.currency, value })

const aggregateOf = (payment: EPayment) => ({
  authorizedAmount: money(payment, payment.state === "AUTHORIZED" ? payment.value : 0),
  cancelledAmount: money(payment, payment.cancelled),
  capturedAmount: money(payment, payment.captured),
  refundedAmount: money(payment, payment.refunded),
})

export const paymentView = (payment: EPayment) => ({
  aggregate: aggregateOf(payment),
  amount: money(payment, payment.value),
  state: payment.state,
  paymentMethod: { type: payment.method },
  profile: {},
  pspReference: payment.pspReference,
  reference: payment.reference,
  ...(payment.redirectUrl === undefined ? {} : { redirectUrl: payment.redirectUrl }),
  ...(payment.metadata === undefined ? {} : { metadata: payment.metadata }),
  ...(payment.state === "AUTHORIZED" && payment.authorizedAt !== undefined
    ? { captureGuaranteedUntil: new Date(payment.authorizedAt + captureWindow).toISOString() }
    : {}),
})

const modificationView = (payment: EPayment) => ({
  amount: money(payment, payment.value),
  state: payment.state,
  aggregate: aggregateOf(payment),
  pspReference: payment.pspReference,
  reference: payment.reference,
})

/** Adds an event with a fresh pspReference, and stores the payment (queuing the event). */
export const recordEvent = (
  state: State,
  payment: EPayment,
  name: EPaymentEventName,
  value: number,
  now: number,
  idempotencyKey: string | undefined,
  change: Partial<EPayment>,
): readonly [EPayment, State] => {
  const next: EPayment = {
    ...payment,
    ...change,
    events: [
      ...payment.events,
      {
        name,
        value,
        timestamp: now,
        idempotencyKey,
        success: true,
        pspReference: pspReferenceOf(state, state.counter),
      },
    ],
  }
  return [
    next,
    { ...state, counter: state.counter + 1, platform: withEPayment(state.platform, next) },
  ]
}

/**
 * The customer approves a `CREATED` payment: it becomes `AUTHORIZED`, unless its amount is
 * one of the test environment's failing amounts (then it stays `CREATED`: the customer may try
 * another card, or let it expire).
 */
export const approve = (
  state: State,
  payment: EPayment,
  phoneNumber: string,
  now: number,
): Either.Either<State, string> => {
  if (payment.state !== "CREATED") return Either.left(`the payment is ${payment.state}`)
  const failure = failingApprovalAmounts.get(payment.value)
  if (failure !== undefined) return Either.left(`the card was declined: ${failure}`)
  return Either.right(
    recordEvent(state, payment, "AUTHORIZED", payment.value, now, undefined, {
      state: "AUTHORIZED",
      authorizedAt: now,
      user: phoneNumber,
    })[1],
  )
}

/** The customer rejects a `CREATED` payment in the app: `ABORTED`. */
export const abort = (
  state: State,
  payment: EPayment,
  now: number,
): Either.Either<State, string> =>
  payment.state !== "CREATED"
    ? Either.left(`the payment is ${payment.state}`)
    : Either.right(
        recordEvent(state, payment, "ABORTED", payment.value, now, undefined, {
          state: "ABORTED",
        })[1],
      )

const referenceParam = Effect.flatMap(HttpRouter.params, (params) => {
  const reference = params["reference"] ?? ""
  return referencePattern.test(reference)
    ? Effect.succeed(reference)
    : Effect.fail(invalidField("reference", "must be 8 to 64 of [a-zA-Z0-9-]"))
})

const idempotencyKeyHeader = Effect.flatMap(Incoming, (request) => {
  const key = header(request, "idempotency-key")
  if (key._tag === "Missing") return Effect.fail(invalidField("Idempotency-Key", "is required"))
  // No character set is published (open question on idempotency semantics): any visible
  // ASCII up to 50 characters.
  if (key._tag === "Duplicated" || !/^[\x21-\x7e]{1,50}$/.test(key.value)) {
    return Effect.fail(invalidField("Idempotency-Key", "must be 1 to 50 visible characters"))
  }
  return Effect.succeed(key.value)
})

/** Counts a request against a rate limit of §8; over it, 429 with `Retry-After`. */
const rateLimited = (world: World, key: string, limit: number) =>
  Effect.flatMap(
    transact(world, (state, now) => {
      const [verdict, platform] = countRequest(state.platform, key, limit, now)
      return Either.right([verdict, { ...state, platform }] as const)
    }),
    (verdict) =>
      verdict.allowed
        ? Effect.void
        : Effect.fail(
            new Problem({
              status: 429,
              title: "Too Many Requests",
              detail: `At most ${limit} requests per minute for this payment`,
              headers: { "retry-after": String(verdict.retryAfter) },
            }),
          ),
  )

/**
 * Runs a modification under its `Idempotency-Key` (§3.1), atomically: the same key and body
 * get the first answer again (a refusal too: a request rejected with 4xx stays rejected for
 * its key); the same key with another body or operation is `409` with `conflictCode`.
 * Refusals a client should retry with the same key (`6160`, `6250`, `6280`) are not kept.
 * Keys are kept 24 h (the open question on idempotency semantics: at least V10's 24 h).
 */
const idempotent = (
  world: World,
  caller: PlatformCaller,
  key: string,
  operation: string,
  conflictCode: string,
  step: (state: State, now: number) => Step,
) =>
  Effect.gen(function* () {
    const request = yield* Incoming
    const storeKey = `epayment|${caller.msn}|${key}`
    const fingerprint = JSON.stringify([operation, request.path, request.body])
    const outcome = yield* transact(world, (state, now) => {
      const previous = idempotentAnswerOf(state, storeKey)
      if (previous !== undefined) {
        if (previous.fingerprint !== fingerprint) {
          return Either.right([
            Either.left(
              new Problem({
                status: 409,
                title: "Idempotency conflict",
                detail: "The Idempotency-Key was used before with another request",
                code: conflictCode,
              }),
            ),
            state,
          ] as const)
        }
        return Either.right([
          previous.body instanceof Problem
            ? Either.left(previous.body)
            : Either.right({ status: previous.status ?? 200, body: previous.body }),
          state,
        ] as const)
      }
      const result = step(state, now)
      if (Either.isRight(result)) {
        const [answer, next] = result.right
        return Either.right([
          Either.right(answer),
          withIdempotentAnswer(next, storeKey, {
            fingerprint,
            body: answer.body,
            status: answer.status,
            at: now,
          }),
        ] as const)
      }
      const problem = result.left
      const kept =
        problem.status < 500 &&
        problem.status !== 423 &&
        problem.status !== 429 &&
        !retryableCodes.has(problem.code ?? "")
      return Either.right([
        Either.left(problem),
        kept
          ? withIdempotentAnswer(state, storeKey, {
              fingerprint,
              body: problem,
              status: problem.status,
              at: now,
            })
          : state,
      ] as const)
    })
    yield* world.notify
    return respond(yield* outcome)
  })

const decoded = <A>(result: Either.Either<A, Problem>, use: (value: A) => Step): Step =>
  Either.isLeft(result) ? Either.left(result.left) : use(result.right)

const stringField = (value: unknown, name: string): string =>
  typeof value === "object" && value !== null && name in value
    ? String(Object.getOwnPropertyDescriptor(value, name)?.value ?? "")
    : ""

const minimumAmount = { NOK: 100, DKK: 1, EUR: 1 } as const

/** Whom a `PUSH_MESSAGE` goes to, or the refusal (§4, §7). */
const resolveCustomer = (
  world: World,
  state: State,
  caller: PlatformCaller,
  customer: CustomerRef,
  now: number,
): Either.Either<readonly [string, State], Problem> => {
  const eligible = (phoneNumber: string | undefined) => {
    const user = phoneNumber === undefined ? undefined : platformUserByPhone(world, phoneNumber)
    return user === undefined || user.market !== caller.unit.market
      ? Either.left(
          rule(
            400,
            "7010",
            "Customer not found",
            "The customer cannot pay this sales unit this way",
          ),
        )
      : Either.right(user.phoneNumber)
  }
  switch (customer._tag) {
    case "phoneNumber":
      return Either.map(eligible(customer.value), (phone) => [phone, state] as const)
    case "personalQr": {
      const user = platformUserByPersonalQr(world, customer.value)
      if (user === undefined) {
        return Either.left(
          invalidField("customer.personalQr", "is not a known personal QR", "4060"),
        )
      }
      return Either.map(eligible(user.phoneNumber), (phone) => [phone, state] as const)
    }
    case "customerToken": {
      const checkIn = Option.getOrUndefined(
        HashMap.get(state.platform.customerTokens, customer.value),
      )
      if (checkIn === undefined || checkIn.expiresAt <= now || checkIn.msn !== caller.msn) {
        return Either.left(
          invalidField("customer.customerToken", "is unknown, used or expired", "4050"),
        )
      }
      // A customer token is used once.
      const next = {
        ...state,
        platform: {
          ...state.platform,
          customerTokens: HashMap.remove(state.platform.customerTokens, customer.value),
        },
      }
      return Either.map(eligible(checkIn.phoneNumber), (phone) => [phone, next] as const)
    }
  }
}

const customerRefOf = (
  customer: CreatePaymentBody["customer"],
): Either.Either<CustomerRef | undefined, Problem> => {
  if (customer === undefined || customer === null) return Either.right(undefined)
  const given: Array<CustomerRef> = []
  if (customer.phoneNumber !== undefined) {
    given.push({ _tag: "phoneNumber", value: customer.phoneNumber })
  }
  if (customer.personalQr !== undefined) {
    given.push({ _tag: "personalQr", value: customer.personalQr })
  }
  if (customer.customerToken !== undefined) {
    given.push({ _tag: "customerToken", value: customer.customerToken })
  }
  return given.length === 1
    ? Either.right(given[0])
    : Either.left(
        invalidField(
          "customer",
          "must have exactly one of phoneNumber, personalQr and customerToken",
        ),
      )
}

const createStep =
  (world: World, caller: PlatformCaller, base: string, key: string, body: CreatePaymentBody) =>
  (state: State, now: number): Step => {
    const unit = caller.unit
    const customer = customerRefOf(body.customer)
    if (Either.isLeft(customer)) return Either.left(customer.left)
    const flow = body.userFlow
    if (flow === "PUSH_MESSAGE" && customer.right === undefined) {
      return Either.left(invalidField("customer", "is required with PUSH_MESSAGE", "4140"))
    }
    if (flow === "QR" && customer.right !== undefined) {
      return Either.left(invalidField("customer", "is not used with QR"))
    }
    if (flow === "WEB_REDIRECT" && (body.returnUrl ?? undefined) === undefined) {
      return Either.left(invalidField("returnUrl", "is required with WEB_REDIRECT", "4140"))
    }
    if (body.qrFormat !== undefined && body.qrFormat !== null && flow !== "QR") {
      return Either.left(invalidField("qrFormat", "is only used with userFlow QR"))
    }
    if (
      body.qrFormat?.size !== undefined &&
      body.qrFormat.size !== null &&
      body.qrFormat.format !== "IMAGE/PNG"
    ) {
      return Either.left(invalidField("qrFormat.size", "is only used with IMAGE/PNG"))
    }
    if (body.paymentMethod.type === "CARD") {
      return Either.left(
        invalidField("paymentMethod.type", "CARD is not available in the test environment", "4160"),
      )
    }
    if (body.amount.currency !== unit.currency) {
      return Either.left(
        rule(400, "5040", "Currency not allowed", `This sales unit takes ${unit.currency}`),
      )
    }
    if (body.amount.value < minimumAmount[body.amount.currency]) {
      return Either.left(rule(400, "6010", "Amount too small"))
    }
    const metadata = body.metadata ?? undefined
    if (metadata !== undefined) {
      const entries = Object.entries(metadata)
      if (entries.length > 5) {
        return Either.left(invalidField("metadata", "holds at most 5 pairs", "4100"))
      }
      if (entries.some(([name]) => name.length > 100 || name.length === 0)) {
        return Either.left(invalidField("metadata", "keys are 1 to 100 characters", "4110"))
      }
      if (entries.some(([, value]) => value.length > 500)) {
        return Either.left(invalidField("metadata", "values are at most 500 characters", "4120"))
      }
    }
    let expiresAt = now + customerTimeout
    if (body.expiresAt !== undefined && body.expiresAt !== null) {
      if (flow !== "PUSH_MESSAGE" && flow !== "QR") {
        return Either.left(invalidField("expiresAt", "is only used with PUSH_MESSAGE or QR"))
      }
      const at = Date.parse(body.expiresAt)
      if (!(at > now + customerTimeout)) {
        return Either.left(rule(400, "6120", "expiresAt too soon", "More than 10 minutes ahead"))
      }
      if (at > now + longestExpiry) {
        return Either.left(rule(400, "6110", "expiresAt too late", "At most 60 days ahead"))
      }
      if (body.receipt === undefined || body.receipt === null) {
        return Either.left(rule(400, "6130", "A long-living payment needs a receipt"))
      }
      if (!unit.longLivingAllowed) {
        return Either.left(rule(403, "5050", "Long-living payments not allowed"))
      }
      expiresAt = at
    }
    if (flow === "PUSH_MESSAGE" && !unit.pushMessageAllowed) {
      return Either.left(rule(403, "5080", "PUSH_MESSAGE not allowed for this sales unit"))
    }
    const paymentKeyOf = paymentKey(caller.msn, body.reference)
    if (ePaymentOf(state.platform, paymentKeyOf) !== undefined) {
      return Either.left(rule(409, "4150", "Reference already exists"))
    }
    let user: string | undefined
    let next = state
    if (customer.right !== undefined && flow === "PUSH_MESSAGE") {
      const resolved = resolveCustomer(world, state, caller, customer.right, now)
      if (Either.isLeft(resolved)) return Either.left(resolved.left)
      ;[user, next] = resolved.right
    }
    const qrId =
      flow === "PUSH_MESSAGE" ? undefined : deterministicGuid(`${world.seed}:qr`, next.counter)
    const target = qrId === undefined ? undefined : `${base}/sandbox/v1/pay?token=${qrId}`
    const format = body.qrFormat?.format ?? "IMAGE/SVG+XML"
    const redirectUrl =
      qrId === undefined
        ? undefined
        : flow !== "QR" || format === "TEXT/TARGETURL"
          ? target
          : format === "IMAGE/PNG"
            ? `${base}/sandbox/v1/qr/${qrId}.png?size=${body.qrFormat?.size ?? 1024}`
            : `${base}/sandbox/v1/qr/${qrId}.svg`
    const payment: EPayment = {
      msn: caller.msn,
      reference: body.reference,
      pspReference: pspReferenceOf(next, next.counter + 1),
      currency: body.amount.currency,
      value: body.amount.value,
      userFlow: flow,
      method: body.paymentMethod.type,
      customer: customer.right,
      user,
      paymentDescription: body.paymentDescription,
      metadata,
      receipt: body.receipt ?? undefined,
      redirectUrl,
      qrId,
      createdAt: now,
      expiresAt,
      state: "CREATED",
      authorizedAt: undefined,
      captured: 0,
      cancelled: 0,
      refunded: 0,
      events: [],
    }
    const [, created] = recordEvent(
      { ...next, counter: next.counter + 2 },
      payment,
      "CREATED",
      payment.value,
      now,
      key,
      {},
    )
    return Either.right([
      {
        status: 201,
        body: {
          reference: payment.reference,
          ...(redirectUrl === undefined ? {} : { redirectUrl }),
        },
      },
      withEPaymentDeadline(created, expiresAt, paymentKeyOf),
    ] as const)
  }

const create = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const key = yield* idempotencyKeyHeader
    const request = yield* Incoming
    const raw = yield* platformJson
    // Rate limits are keyed on the `reference` field: a missing one counts as one payment.
    yield* rateLimited(
      world,
      `modify|${caller.msn}|${stringField(raw, "reference")}`,
      world.rateLimits.modifications,
    )
    const body =
      raw === undefined
        ? Either.left(invalidField("body", "is required", "4140"))
        : decodePlatform(CreatePaymentBody, raw, createFieldCodes)
    return yield* idempotent(world, caller, key, "create", "4020", (state, now) =>
      decoded(body, (value) =>
        createStep(world, caller, baseUrlOf(request), key, value)(state, now),
      ),
    )
  })

const found = (state: State, caller: PlatformCaller, reference: string) => {
  const payment = ePaymentOf(state.platform, paymentKey(caller.msn, reference))
  return payment === undefined ? Either.left(notFound()) : Either.right(payment)
}

const read = (world: World, view: (payment: EPayment) => unknown) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const reference = yield* referenceParam
    yield* rateLimited(world, `get|${reference}|${caller.subscriptionKey}`, world.rateLimits.gets)
    const payment = yield* transact(world, (state) =>
      Either.map(found(state, caller, reference), (p) => [p, state] as const),
    )
    yield* world.notify
    return respondJson(view(payment))
  })

/** The modification amount checked against the payment: its currency, at least 1. */
const modificationAmountOf = (
  payment: EPayment,
  amount: { readonly currency: string; readonly value: number },
): Either.Either<number, Problem> =>
  amount.currency !== payment.currency
    ? Either.left(
        invalidField("modificationAmount.currency", "must be the payment's currency", "4040"),
      )
    : amount.value < 1
      ? Either.left(invalidField("modificationAmount.value", "must be at least 1", "4040"))
      : Either.right(amount.value)

const captureStep =
  (caller: PlatformCaller, reference: string, key: string, amount: typeof ModificationBody.Type) =>
  (state: State, now: number): Step =>
    Either.flatMap(found(state, caller, reference), (payment) =>
      Either.flatMap(modificationAmountOf(payment, amount.modificationAmount), (value) => {
        if (payment.state === "CREATED") {
          return Either.left(rule(400, "6080", "Cannot capture before reservation"))
        }
        if (payment.state !== "AUTHORIZED" || payment.authorizedAt === undefined) {
          return Either.left(
            rule(400, "6200", `Cannot capture a payment in state ${payment.state}`),
          )
        }
        if (payment.cancelled > 0) return Either.left(rule(400, "6070", "Cannot capture cancelled"))
        if (now > payment.authorizedAt + captureWindow) {
          return Either.left(rule(400, "6100", "Capture period expired"))
        }
        const remaining = payment.value - payment.captured
        if (remaining === 0) return Either.left(rule(400, "6170", "Already captured"))
        if (value > remaining) return Either.left(rule(400, "6090", "Capture amount too high"))
        if (!caller.unit.partialCaptureAllowed && value !== remaining) {
          return Either.left(rule(400, "6140", "Must capture the full amount"))
        }
        const [next, after] = recordEvent(state, payment, "CAPTURED", value, now, key, {
          captured: payment.captured + value,
        })
        return Either.right([{ status: 200, body: modificationView(next) }, after] as const)
      }),
    )

const refundStep =
  (caller: PlatformCaller, reference: string, key: string, amount: typeof ModificationBody.Type) =>
  (state: State, now: number): Step =>
    Either.flatMap(found(state, caller, reference), (payment) =>
      Either.flatMap(modificationAmountOf(payment, amount.modificationAmount), (value) => {
        if (payment.state === "CREATED") {
          return Either.left(rule(400, "6020", "Cannot refund before reservation"))
        }
        if (payment.state !== "AUTHORIZED" || payment.authorizedAt === undefined) {
          return Either.left(rule(400, "6210", `Cannot refund a payment in state ${payment.state}`))
        }
        if (now > payment.authorizedAt + refundWindow || value === 124) {
          return Either.left(rule(400, "6220", "Refund period expired"))
        }
        if (value === 123) {
          return Either.left(
            rule(400, "5100", "Refund not possible", "The customer has no receiving account"),
          )
        }
        if (value > payment.captured - payment.refunded) {
          return Either.left(rule(400, "6150", "Not enough refundable"))
        }
        const [next, after] = recordEvent(state, payment, "REFUNDED", value, now, key, {
          refunded: payment.refunded + value,
        })
        return Either.right([{ status: 200, body: modificationView(next) }, after] as const)
      }),
    )

const cancelStep =
  (caller: PlatformCaller, reference: string, key: string, body: typeof CancelBody.Type) =>
  (state: State, now: number): Step =>
    Either.flatMap(found(state, caller, reference), (payment) => {
      const unchanged = Either.right([
        { status: 200, body: modificationView(payment) },
        state,
      ] as const)
      switch (payment.state) {
        case "CREATED": {
          const [next, after] = recordEvent(state, payment, "TERMINATED", payment.value, now, key, {
            state: "TERMINATED",
            cancelled: payment.value,
          })
          return Either.right([{ status: 200, body: modificationView(next) }, after] as const)
        }
        case "TERMINATED":
          return unchanged
        case "ABORTED":
        case "EXPIRED":
          return Either.left(rule(400, "6050", `Cannot cancel a payment in state ${payment.state}`))
        case "AUTHORIZED": {
          if (body.cancelTransactionOnly === true) {
            return Either.left(
              rule(400, "6060", "Cannot cancel an authorized payment with cancelTransactionOnly"),
            )
          }
          if (payment.captured === payment.value) {
            return Either.left(rule(400, "6040", "Cannot cancel a captured payment"))
          }
          if (payment.authorizedAt !== undefined && now > payment.authorizedAt + captureWindow) {
            return Either.left(rule(400, "6030", "Cancel period expired"))
          }
          if (payment.cancelled > 0) return unchanged
          const remainder = payment.value - payment.captured
          const [next, after] = recordEvent(state, payment, "CANCELLED", remainder, now, key, {
            cancelled: remainder,
          })
          return Either.right([{ status: 200, body: modificationView(next) }, after] as const)
        }
      }
    })

const modification = (
  world: World,
  operation: "capture" | "refund" | "cancel",
  conflictCode: string,
  step: (
    caller: PlatformCaller,
    reference: string,
    key: string,
    raw: unknown,
  ) => (state: State, now: number) => Step,
) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const reference = yield* referenceParam
    const key = yield* idempotencyKeyHeader
    const raw = yield* platformJson
    yield* rateLimited(world, `modify|${caller.msn}|${reference}`, world.rateLimits.modifications)
    return yield* idempotent(
      world,
      caller,
      key,
      operation,
      conflictCode,
      step(caller, reference, key, raw),
    )
  })

const withBody =
  <A, I>(
    schema: Schema.Schema<A, I>,
    optional: boolean,
    use: (
      caller: PlatformCaller,
      reference: string,
      key: string,
      body: A,
    ) => (state: State, now: number) => Step,
  ) =>
  (caller: PlatformCaller, reference: string, key: string, raw: unknown) =>
  (state: State, now: number): Step => {
    const body =
      raw === undefined && !optional
        ? Either.left(invalidField("body", "is required", "4140"))
        : decodePlatform(schema, raw ?? {}, modificationFieldCodes)
    return decoded(body, (value) => use(caller, reference, key, value)(state, now))
  }

const forceApprove = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const reference = yield* referenceParam
    const raw = yield* platformJson
    const body = yield* decodePlatform(ForceApproveBody, raw ?? {})
    yield* transact(world, (state, now) =>
      Either.flatMap(found(state, caller, reference), (payment) => {
        const failed = (detail: string) => rule(400, "10010", "Approve failed", detail)
        if (body.token !== undefined && body.token !== payment.qrId) {
          return Either.left(failed("The token is not this payment's"))
        }
        const phone = body.customer?.phoneNumber ?? payment.user
        const user = phone === undefined ? undefined : platformUserByPhone(world, phone)
        if (user === undefined || user.market !== salesUnitByMsn(world, caller.msn)?.market) {
          return Either.left(failed("No test user of this market to approve with"))
        }
        return Either.match(approve(state, payment, user.phoneNumber, now), {
          onLeft: (reason) => Either.left(failed(`Cannot approve: ${reason}`)),
          onRight: (next) => Either.right([undefined, next] as const),
        })
      }),
    )
    yield* world.notify
    return HttpServerResponse.empty({ status: 200 })
  })

export const ePaymentOperations = (world: World): ReadonlyArray<PlatformOperation> => [
  ["POST", `${ePaymentBasePath}/payments`, create(world)],
  ["GET", `${ePaymentBasePath}/payments/:reference`, read(world, paymentView)],
  [
    "GET",
    `${ePaymentBasePath}/payments/:reference/events`,
    read(world, (payment) => payment.events.map((event) => eventView(payment, event))),
  ],
  [
    "POST",
    `${ePaymentBasePath}/payments/:reference/capture`,
    modification(world, "capture", "4010", withBody(ModificationBody, false, captureStep)),
  ],
  [
    "POST",
    `${ePaymentBasePath}/payments/:reference/refund`,
    modification(world, "refund", "4150", withBody(ModificationBody, false, refundStep)),
  ],
  [
    "POST",
    `${ePaymentBasePath}/payments/:reference/cancel`,
    // A key reused with another cancel body has no published code: 4020, "key already exists".
    modification(world, "cancel", "4020", withBody(CancelBody, true, cancelStep)),
  ],
  ["POST", `${ePaymentBasePath}/test/payments/:reference/approve`, forceApprove(world)],
]
