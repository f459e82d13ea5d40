/**
 * Whole payments on top of {@link PosClient}: pay and capture, prepared payments, and the
 * recovery of a point of sale blocked by an active payment (409, code 1301).
 *
 * @since 0.1.0
 */
import { Data, Duration, Effect } from "effect"
import type * as Payment from "./Payment.js"
import { awaitPayment } from "./Polling.js"
import { type CreateOptions, PosClient, type PosClientError } from "./PosClient.js"
import { IntentStore } from "./IntentStore.js"

/**
 * How a payment flow ended: `Captured`, or `NotCompleted` with the final status (the customer
 * cancelled, MobilePay cancelled or expired it, or the flow gave up and cancelled it).
 *
 * @since 0.1.0
 * @category models
 */
export type PaymentOutcome = Data.TaggedEnum<{
  Captured: { readonly paymentId: string; readonly amount: number }
  NotCompleted: { readonly paymentId: string; readonly status: Payment.PaymentStatus }
}>

/**
 * Constructors and matchers of {@link PaymentOutcome}.
 *
 * @since 0.1.0
 * @category models
 */
export const PaymentOutcome = Data.taggedEnum<PaymentOutcome>()

/**
 * @since 0.1.0
 * @category options
 */
export interface FlowOptions extends CreateOptions {
  /**
   * How long to wait for the customer (check-in and acceptance) before cancelling.
   * @default "2 minutes"
   */
  readonly customerTimeout?: Duration.DurationInput | undefined
  /**
   * On 409 1301 (a payment is already active on the point of sale): cancel the active
   * payments of the point of sale and initiate once more.
   * @default false
   */
  readonly recoverActivePayment?: boolean | undefined
}

/**
 * Cancels the active (not yet reserved) payments of a point of sale, as MobilePay prescribes
 * after a 409 with code 1301. Reserved payments are left alone: settle them from their
 * intents (see `IntentStore.settle`). Returns the ids of the cancelled payments.
 *
 * @since 0.1.0
 * @category flows
 */
export const recoverActivePayment = (posId: string, options: CreateOptions = {}) =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const { paymentIds } = yield* client.queryPaymentIds({ posId }, options)
    const cancelled: Array<string> = []
    for (const paymentId of paymentIds) {
      const payment = yield* client.queryPayment(paymentId, options)
      if (isActive(payment.status)) {
        yield* client
          .cancelPayment(paymentId, options)
          .pipe(Effect.catchTag("PaymentCannotBeCancelled", () => Effect.void))
        cancelled.push(paymentId)
      }
    }
    return cancelled
  })

const isActive = (status: Payment.PaymentStatus): boolean =>
  status === "Initiated" ||
  status === "Prepared" ||
  status === "Paired" ||
  status === "IssuedToUser"

const withRecovery = <A, R>(
  posId: string,
  create: Effect.Effect<A, PosClientError, R>,
  options: FlowOptions,
) =>
  options.recoverActivePayment === true
    ? create.pipe(
        Effect.catchTag("PaymentAlreadyActive", () =>
          recoverActivePayment(posId, options).pipe(
            Effect.tap((cancelled) =>
              Effect.logDebug(`point of sale ${posId} was busy: cancelled ${cancelled.join(", ")}`),
            ),
            Effect.zipRight(create),
          ),
        ),
      )
    : create

// Waits for `Reserved`; on timeout cancels the payment and reports where it ended.
const awaitReservation = (paymentId: string, options: FlowOptions) =>
  awaitPayment(paymentId, ["Reserved"], {
    ...options,
    timeout: options.customerTimeout ?? Duration.minutes(2),
  }).pipe(Effect.catchTag("AwaitTimeout", () => abandon(paymentId, options)))

// Gives up on a payment: the intent to cancel is recorded first, so that a reservation that
// slips in (or a cancel that fails) is cancelled by the settlement job, never captured.
const abandon = (paymentId: string, options: FlowOptions) =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const intents = yield* IntentStore
    yield* intents.record(paymentId, { _tag: "Cancel" })
    yield* client
      .cancelPayment(paymentId, options)
      .pipe(Effect.catchTag("PaymentCannotBeCancelled", () => Effect.void))
    yield* intents.remove(paymentId)
    return yield* client.queryPayment(paymentId, options)
  })

// Captures a reserved payment, recording the intent first so that a crash between the two
// leaves a reservation the settlement job knows to capture.
const capture = (paymentId: string, amount: number, currencyCode: string, options: FlowOptions) =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const intents = yield* IntentStore
    yield* intents.record(paymentId, { _tag: "Capture", amount })
    yield* Effect.logDebug(`payment ${paymentId}: capturing ${amount.toFixed(2)} ${currencyCode}`)
    yield* client.capturePayment(paymentId, { amount }, options)
    yield* intents.remove(paymentId)
    return PaymentOutcome.Captured({ paymentId, amount })
  })

/**
 * The main job of a point of sale: initiate a payment, wait for the customer to accept it
 * (`Reserved`), capture it. The customer cancelling, MobilePay cancelling, expiry, or the
 * timeout (after which the payment is cancelled) end as `NotCompleted`.
 *
 * @since 0.1.0
 * @category flows
 */
export const payAndCapture = (
  request: Payment.InitiatePaymentRequest.Encoded,
  options: FlowOptions & {
    /** Capture less than the reserved amount (only where partial capture is possible). */
    readonly captureAmount?: number | undefined
  } = {},
): Effect.Effect<PaymentOutcome, PosClientError, PosClient | IntentStore> =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const { paymentId } = yield* withRecovery(
      request.posId,
      client.initiatePayment(request, options),
      options,
    )
    yield* Effect.logDebug(
      `payment ${paymentId} initiated: ${request.amount.toFixed(2)} ${request.currencyCode}, order ${request.orderId}`,
    )
    const payment = yield* awaitReservation(paymentId, options)
    if (payment.status !== "Reserved") {
      return PaymentOutcome.NotCompleted({ paymentId, status: payment.status })
    }
    return yield* capture(
      paymentId,
      options.captureAmount ?? request.amount,
      request.currencyCode,
      options,
    )
  }).pipe(Effect.withSpan("PaymentFlow.payAndCapture"))

/**
 * A prepared payment: prepare it before the amount is known, wait for the customer to check
 * in (`Paired`), send the amount (`PaymentReady`), wait for `Reserved`, capture.
 *
 * @since 0.1.0
 * @category flows
 */
export const preparedPayment = (
  request: Payment.PreparePaymentRequest.Encoded & Payment.PaymentReadyRequest.Encoded,
  options: FlowOptions = {},
): Effect.Effect<PaymentOutcome, PosClientError, PosClient | IntentStore> =>
  Effect.gen(function* () {
    const client = yield* PosClient
    const { posId, orderId, ...ready } = request
    const { paymentId } = yield* withRecovery(
      posId,
      client.preparePayment({ posId, orderId }, options),
      options,
    )
    yield* Effect.logDebug(`payment ${paymentId} prepared, order ${orderId}`)
    const paired = yield* awaitPayment(paymentId, ["Paired"], {
      ...options,
      timeout: options.customerTimeout ?? Duration.minutes(2),
    }).pipe(Effect.catchTag("AwaitTimeout", () => abandon(paymentId, options)))
    if (paired.status !== "Paired") {
      return PaymentOutcome.NotCompleted({ paymentId, status: paired.status })
    }
    yield* client.paymentReady(paymentId, ready, options)
    yield* Effect.logDebug(
      `payment ${paymentId} ready: ${ready.amount.toFixed(2)} ${ready.currencyCode}`,
    )
    const payment = yield* awaitReservation(paymentId, options)
    if (payment.status !== "Reserved") {
      return PaymentOutcome.NotCompleted({ paymentId, status: payment.status })
    }
    return yield* capture(paymentId, request.amount, request.currencyCode, options)
  }).pipe(Effect.withSpan("PaymentFlow.preparedPayment"))
