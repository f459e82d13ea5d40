// PoS V10 as a backend of the sale engine (`@effect-mobilepay/sale`): how a payment or refund
// is created, found, read, awaited, captured and cancelled, and which of MobilePay's answers are
// refusals and final states. The one place V10's classifications are written.
import { DurationOption, type InvalidInput } from "@effect-mobilepay/core"
import * as Engine from "@effect-mobilepay/sale/Engine"
import type { Outcome } from "@effect-mobilepay/sale/PaymentJournal"
import type { SaleBackend, View, Wait } from "@effect-mobilepay/sale/SaleBackend"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Domain as CoreDomain } from "@effect-mobilepay/core"
import { decodeRequest } from "./decodeRequest.js"
import * as Payment from "../Payment.js"
import { backend as name, type Entry, PaymentJournal, Plan } from "../PaymentJournal.js"
import { awaitPayment, awaitRefund, type PollOptions } from "../Polling.js"
import { type CallOptions, PosClient, type PosClientError } from "../PosClient.js"
import * as Refund from "../Refund.js"

/** A payment status after which nothing more happens to the payment. */
export const isFinalPayment = Schema.is(Payment.FinalPaymentStatus)

/** A refund status after which nothing more happens to the refund. */
export const isFinalRefund = Schema.is(Refund.FinalRefundStatus)

/** A payment the customer has not finished: it may still be cancelled before a new one. */
export const isActivePayment = Schema.is(Payment.ActivePaymentStatus)

/**
 * Whether MobilePay answered and refused the request: it was not carried out, and a resend
 * would be refused again. Anything else (the network, a 5xx, a lost answer, the token) leaves
 * open whether it was.
 */
export const isRefusal = (error: PosClientError): boolean => {
  switch (error._tag) {
    case "PosBadRequest":
    case "PosForbidden":
    case "PosNotFound":
    case "PosConflict":
    case "MerchantPosIdTaken":
    case "BeaconIdTaken":
    case "StoreNotActivated":
    case "PaymentCannotBeCancelled":
    case "PaymentAlreadyActive":
    case "PaymentNotReserved":
    case "CaptureAmountTooHigh":
    case "IdempotencyKeyReused":
    case "PaymentCapturedWithAnotherAmount":
    case "PartialCaptureNotPossible":
    case "PaymentNotCaptured":
    case "RefundCurrencyMismatch":
    case "RefundPeriodExpired":
    case "RefundExceedsCapturedAmount":
    case "InsufficientStoreBalance":
      return true
    case "PosUnauthorized":
    case "PosServerError":
    case "PosUnexpectedStatus":
    case "PosTransportError":
    case "PosDecodeError":
    case "PosResponseTooLarge":
    case "InvalidClientCredentials":
    case "TokenRequestRejected":
    case "TokenEndpointError":
    case "TokenEndpointUnreachable":
    case "MalformedTokenResponse":
    case "InvalidInput":
      return false
    default:
      return error satisfies never
  }
}

/**
 * How long MobilePay's idempotency keys are trusted: it keeps them at least 24 hours; past 23,
 * a lost id is searched for instead of resending the create (which could make a second one).
 */
export const idempotencyWindow = Duration.hours(23)

/** Whether an entry that ended so moved money: a captured payment, a refund paid out. */
export const movedMoney = (kind: Entry["kind"], outcome: Outcome): boolean =>
  outcome._tag === "Final" &&
  (outcome.status === "Captured" || (kind === "Refund" && outcome.status === "ExpiredAndCaptured"))

// A plan's terms by name, as JSON: the create call's fields, which flow, and what to capture.
const termsOf = (plan: Plan): ReadonlyMap<string, string> => {
  const encoded = Schema.encodeSync(Plan)(plan)
  const terms = new Map<string, string>([["flow", JSON.stringify(encoded._tag)]])
  for (const [term, value] of Object.entries(encoded.request)) {
    if (value !== undefined) terms.set(term, JSON.stringify(value))
  }
  if ("captureAmount" in encoded) terms.set("captureAmount", JSON.stringify(encoded.captureAmount))
  return terms
}

const paymentView = (payment: {
  readonly status: string
  readonly amount?: number | undefined
  readonly partialCapturePossible?: boolean | undefined
}): View =>
  isFinalPayment(payment.status)
    ? {
        stage: "Ended",
        status: payment.status,
        amount: payment.amount,
        moneyMoved: payment.status === "Captured",
      }
    : payment.status === "Reserved"
      ? {
          stage: "Reserved",
          status: payment.status,
          amount: payment.amount,
          partialCapturePossible: payment.partialCapturePossible,
        }
      : { stage: "Open", status: payment.status, amount: payment.amount }

const refundView = (refund: { readonly status: string; readonly amount: number }): View =>
  isFinalRefund(refund.status)
    ? {
        stage: "Ended",
        status: refund.status,
        amount: refund.amount,
        moneyMoved: refund.status === "Captured" || refund.status === "ExpiredAndCaptured",
      }
    : {
        stage: refund.status === "Reserved" ? "Reserved" : "Open",
        status: refund.status,
        amount: refund.amount,
      }

/** The V10 backend over `client`, each call with `timeout` (the client's defaults when absent). */
export const backend = (
  client: PosClient.Service,
  timeout: Duration.Duration | undefined,
): SaleBackend<Plan, typeof Plan.Encoded, PosClientError> => {
  const callOptions = (entry: Entry): CallOptions => ({
    merchantVat: entry.merchant === "" ? undefined : entry.merchant,
    timeout,
  })
  const read = (entry: Entry, plan: Plan, id: string): Effect.Effect<View, PosClientError> =>
    plan._tag === "CreateRefund"
      ? Effect.map(client.getRefund(id, callOptions(entry)), refundView)
      : Effect.map(client.queryPayment(id, callOptions(entry)), paymentView)

  // Waits for one of `statuses` (or a final one): `None` when the wait ran out or the till
  // gave up.
  const awaitPaymentView = (
    entry: Entry,
    id: string,
    statuses: ReadonlyArray<Payment.PaymentStatus>,
    wait: Wait,
  ): Effect.Effect<Option.Option<View>, PosClientError> =>
    awaitPayment(id, statuses, {
      ...callOptions(entry),
      maxFailureDelay: wait.maxFailureDelay,
      within: wait.within,
    }).pipe(
      Effect.provideService(PosClient, client),
      Effect.map((payment) => Option.some(paymentView(payment))),
      Effect.catchTag("AwaitTimeout", () => Effect.succeed(Option.none<View>())),
      Effect.raceFirst(Effect.as(wait.interrupted, Option.none<View>())),
    )

  return {
    name,
    Plan,
    kindOf: (plan) => (plan._tag === "CreateRefund" ? "Refund" : "Payment"),
    captureAmount: (plan) =>
      plan._tag === "CreateRefund" ? plan.request.amount : plan.captureAmount,
    terms: termsOf,
    idempotencyWindow,
    isRefusal,
    movedMoney,

    // The create call again, with the entry's idempotency key: MobilePay answers with what the
    // first one made, or makes it now if the first never arrived.
    create: (entry, plan) => {
      const options = { ...callOptions(entry), idempotencyKey: entry.key }
      switch (plan._tag) {
        case "InitiatePayment":
          return Effect.map(client.initiatePayment(plan.request, options), (made) => ({
            id: made.paymentId,
          }))
        case "PreparePayment":
          return Effect.map(
            client.preparePayment(
              { posId: plan.request.posId, orderId: plan.request.orderId },
              options,
            ),
            (made) => ({ id: made.paymentId }),
          )
        case "CreateRefund":
          return Effect.map(client.createRefund(plan.request, options), (made) => ({
            id: made.refundId,
          }))
      }
    },

    // Past the idempotency window a resend could make a second payment: look for the first one
    // by its order id instead, among those no other attempt of the order has.
    find: (entry, plan, known) =>
      Effect.gen(function* () {
        const options = callOptions(entry)
        if (plan._tag === "CreateRefund") {
          const { refundIds } = yield* client.queryRefundIds(
            { paymentId: plan.request.paymentId },
            options,
          )
          for (const refundId of refundIds) {
            if (known.has(refundId)) continue
            const refund = yield* client.getRefund(refundId, options)
            if (refund.refundOrderId === entry.orderId) return Option.some(refundId)
          }
          return Option.none()
        }
        const filter = { posId: plan.request.posId, orderId: plan.request.orderId }
        const open = yield* client.queryPaymentIds(filter, options)
        const captured = yield* client.queryPaymentIds({ ...filter, state: "Captured" }, options)
        const unknown = [...open.paymentIds, ...captured.paymentIds].filter((id) => !known.has(id))
        if (unknown.length > 1) {
          yield* Effect.logWarning(
            `order ${entry.orderId} has ${unknown.length} payments the journal does not know; taking ${unknown[0]}`,
          )
        }
        return Option.fromNullable(unknown[0])
      }),

    read,

    await: (entry, plan, id, wait) => {
      if (plan._tag === "CreateRefund") {
        return awaitRefund(id, ["Reserved"], {
          ...callOptions(entry),
          maxFailureDelay: wait.maxFailureDelay,
          within: wait.within,
        }).pipe(
          Effect.provideService(PosClient, client),
          Effect.map((refund) => Option.some(refundView(refund))),
          Effect.catchTag("AwaitTimeout", () => Effect.succeed(Option.none<View>())),
          Effect.raceFirst(Effect.as(wait.interrupted, Option.none<View>())),
        )
      }
      if (plan._tag === "InitiatePayment") return awaitPaymentView(entry, id, ["Reserved"], wait)
      // A prepared payment: once the customer has checked in (`Paired`), the amount is sent.
      return Effect.gen(function* () {
        const paired = yield* awaitPaymentView(
          entry,
          id,
          ["Paired", "IssuedToUser", "Reserved"],
          wait,
        )
        if (Option.isNone(paired) || paired.value.status !== "Paired") return paired
        const { posId: _, orderId: __, ...terms } = plan.request
        const ready = yield* Effect.either(client.paymentReady(id, terms, callOptions(entry)))
        if (ready._tag === "Right") {
          yield* Effect.logDebug(
            `payment ${id} ready: ${terms.amount.toFixed(2)} ${terms.currencyCode}`,
          )
        } else {
          // A lost answer, or a resend refused because the first went through: MobilePay's
          // status says whether the payment is ready.
          const payment = yield* client.queryPayment(id, callOptions(entry))
          if (payment.status === "Paired") {
            return isRefusal(ready.left) ? Option.none<View>() : yield* Effect.fail(ready.left)
          }
        }
        return yield* awaitPaymentView(entry, id, ["Reserved"], wait)
      })
    },

    capture: (entry, plan, id, amount) =>
      plan._tag === "CreateRefund"
        ? Effect.zipRight(client.captureRefund(id, callOptions(entry)), read(entry, plan, id))
        : Effect.gen(function* () {
            yield* Effect.logDebug(
              `payment ${id}: capturing ${amount.toFixed(2)} ${plan.request.currencyCode}`,
            )
            yield* client.capturePayment(id, { amount }, callOptions(entry))
            return { stage: "Ended", status: "Captured", moneyMoved: true } satisfies View
          }),

    cancel: (entry, plan, id) =>
      Effect.zipRight(
        plan._tag === "CreateRefund"
          ? client.cancelRefund(id, callOptions(entry))
          : client.cancelPayment(id, callOptions(entry)),
        read(entry, plan, id),
      ),

    describe: (entry, plan, id) => {
      switch (plan._tag) {
        case "InitiatePayment":
          return `payment ${id} initiated: ${plan.request.amount.toFixed(2)} ${plan.request.currencyCode}, order ${entry.orderId}`
        case "PreparePayment":
          return `payment ${id} prepared, order ${entry.orderId}`
        case "CreateRefund":
          return `refund ${id} created: ${plan.request.amount.toFixed(2)} ${plan.request.currencyCode}, refund order ${entry.orderId}`
      }
    },
  }
}

/** A V10 flow's session: the engine's, and the client and call options it was made with. */
export interface Session extends Engine.Session<Plan, typeof Plan.Encoded, PosClientError> {
  readonly client: PosClient.Service
  readonly timeout: Duration.Duration | undefined
}

const decodeMerchant = decodeRequest(Schema.UndefinedOr(CoreDomain.MerchantVat), "merchantVat")

/** Checks a flow's options (before anything is written or sent) into its session. */
export const session = (
  options: PollOptions & { readonly lease?: Duration.DurationInput | undefined },
  wait: { readonly field: string; readonly input: Duration.DurationInput },
): Effect.Effect<Session, InvalidInput.InvalidInput, PosClient | PaymentJournal> =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const journal = yield* PaymentJournal
    const timeout =
      options.timeout === undefined
        ? undefined
        : yield* DurationOption.decode("timeout", options.timeout)
    const within = yield* DurationOption.decode(wait.field, wait.input, { allowInfinite: true })
    const maxFailureDelay = yield* DurationOption.decode(
      "maxFailureDelay",
      options.maxFailureDelay ?? "10 seconds",
    )
    const merchant = (yield* decodeMerchant(options.merchantVat)) ?? client.merchantVat ?? ""
    return {
      engine: {
        backend: backend(client, timeout),
        journal,
        lease: yield* DurationOption.decode("lease", options.lease ?? "15 seconds"),
      },
      mode: { _tag: "Flow", wait: { within, maxFailureDelay, interrupted: Effect.never } },
      merchant,
      owner: Engine.owner(journal),
      client,
      timeout,
    }
  })
