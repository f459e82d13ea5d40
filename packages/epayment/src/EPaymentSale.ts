/**
 * ePayment for the sale engine of `@effect-mobilepay/sale`: the {@link SaleBackend} named
 * `"EPayment"`, through which the engine journals, resumes and recovers ePayment payments and
 * refunds exactly as it does PoS V10's. The flows (`SaleFlow`) and recovery
 * (`Recovery`) of this package are built on it; a program rarely uses it directly.
 *
 * How ePayment maps onto the engine:
 * - a payment's plan is its create request as it is (re)sent, with the journal's order id as
 *   its `reference`, and the amount to capture (minor units); a later attempt of the same order
 *   (after one ended without money) is sent with the reference `<orderId>-<attempt>`, since
 *   ePayment never takes a reference twice;
 * - every modification has an `Idempotency-Key` derived from the entry's key, the same on
 *   every resend: the create `key`, the capture `key-capture`, the release of what a partial
 *   capture left `key-release`, the till's cancel `key-cancel-only` (`cancelTransactionOnly`)
 *   and the cancel of a reservation `key-cancel`; a refund is one entry of kind `Refund` whose
 *   create call is the refund, keyed with its entry's key;
 * - where a payment stands is read with `GET /payments/{reference}` (a refund: the event log,
 *   by its key); a payment is waited for by webhook when a {@link WebhookReceiver} is in
 *   context, by polling otherwise, and every view the engine acts on comes from a read.
 *
 * @since 0.2.0
 */
import * as DurationOption from "@effect-mobilepay/core/DurationOption"
import * as InvalidInput from "@effect-mobilepay/core/InvalidInput"
import type { Entry, EntryKind, Outcome } from "@effect-mobilepay/sale/PaymentJournal"
import type { SaleBackend, View, Wait } from "@effect-mobilepay/sale/SaleBackend"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { MinorUnits, ModificationAmount, Reference } from "./Domain.js"
import { EPaymentClient, type EPaymentClientError } from "./EPaymentClient.js"
import * as EPaymentError from "./EPaymentError.js"
import * as Payment from "./Payment.js"
import { WebhookReceiver } from "./WebhookReceiver.js"

/**
 * The name ePayment entries carry in the journal.
 *
 * @since 0.2.0
 * @category constants
 */
export const name = "EPayment"

/**
 * A payment's plan: the create request (its `reference` is the order id), the amount to
 * capture once reserved (minor units), and the till it is for, if any (one open payment per
 * till).
 *
 * @since 0.2.0
 * @category plans
 */
export class PaymentPlan extends Schema.TaggedClass<PaymentPlan>()("Payment", {
  request: Payment.CreatePaymentRequest,
  captureAmount: MinorUnits,
  till: Schema.optional(Schema.String),
}) {}

/**
 * A refund's plan: the payment (`reference`) and the amount to refund.
 *
 * @since 0.2.0
 * @category plans
 */
export class RefundPlan extends Schema.TaggedClass<RefundPlan>()("Refund", {
  reference: Reference,
  amount: ModificationAmount,
}) {}

/**
 * What an ePayment journal entry is opened to do.
 *
 * @since 0.2.0
 * @category plans
 */
export const Plan = Schema.Union(PaymentPlan, RefundPlan)
/** @since 0.2.0 */
export type Plan = typeof Plan.Type
/** @since 0.2.0 */
export type PlanEncoded = typeof Plan.Encoded

/**
 * The ePayment backend of the sale engine.
 *
 * @since 0.2.0
 * @category models
 */
export type Backend = SaleBackend<Plan, PlanEncoded, EPaymentClientError>

/**
 * What a payment looked like when it was created (or, for a payment resumed from the journal,
 * first read): its `reference` and, for `userFlow: QR`, the QR's `redirectUrl` to show the
 * customer.
 *
 * @since 0.2.0
 * @category models
 */
export interface Created {
  readonly orderId: string
  readonly reference: string
  readonly redirectUrl?: string | undefined
}

/**
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /**
   * Called once per flow when its payment exists (and before the customer can act on a QR):
   * shows a dynamic QR on the customer-facing screen. A failure here fails nothing: it is
   * logged.
   */
  readonly onCreated?: ((created: Created) => Effect.Effect<void>) | undefined
  /**
   * Called with where the payment stands each time it is read (or changed): a held sale's
   * `states`. A failure here fails nothing: it is logged.
   */
  readonly onRead?: ((view: View) => Effect.Effect<void>) | undefined
  /**
   * The first poll after create, counted from the entry's opening.
   * @default "5 seconds"
   */
  readonly firstPoll?: Duration.DurationInput | undefined
  /**
   * The polls after it, when no {@link WebhookReceiver} is in context.
   * @default "2 seconds"
   */
  readonly pollInterval?: Duration.DurationInput | undefined
  /**
   * The polls when a {@link WebhookReceiver} is in context: webhooks are the fast path, and a
   * poll now and then finds what a lost webhook did not say.
   * @default "30 seconds"
   */
  readonly webhookPollInterval?: Duration.DurationInput | undefined
}

// ---------------------------------------------------------------------------------------
// References and keys

/**
 * The reference of an entry's payment: the order id, and for a later attempt of the same
 * order `<orderId>-<attempt>` (ePayment refuses a reference it has seen).
 *
 * @since 0.2.0
 * @category references
 */
export const referenceOf = (entry: Pick<Entry, "orderId" | "attempt">): string =>
  entry.attempt === 1 ? entry.orderId : `${entry.orderId}-${entry.attempt}`

const decodeReference = InvalidInput.decoder(Reference, "orderId")

// The idempotency keys of the modifications of an entry's payment: derived, so a resend after a
// crash is the same operation.
const keys = (entry: Entry) => ({
  capture: `${entry.key}-capture`,
  release: `${entry.key}-release`,
  cancelOnly: `${entry.key}-cancel-only`,
  cancel: `${entry.key}-cancel`,
})

// ---------------------------------------------------------------------------------------
// Views

/**
 * Where a payment stands, for the engine: `CREATED` is open; `AUTHORIZED` with money still
 * reserved is reserved (also after a partial capture whose rest was not released yet: the
 * recorded decision finishes it); `AUTHORIZED` with nothing left reserved has ended, as
 * `CAPTURED` (money moved, the captured amount) or `CANCELLED`; `ABORTED`, `EXPIRED` and
 * `TERMINATED` have ended without money. A state added since is open: read again.
 *
 * @since 0.2.0
 * @category views
 */
export const viewOf = (payment: {
  readonly state: Payment.PaymentState
  readonly aggregate: Payment.Aggregate
}): View => {
  const { authorizedAmount, capturedAmount, cancelledAmount } = payment.aggregate
  switch (payment.state) {
    case "AUTHORIZED": {
      const remaining = authorizedAmount.value - capturedAmount.value - cancelledAmount.value
      if (remaining > 0) {
        return {
          stage: "Reserved",
          status: "AUTHORIZED",
          amount: authorizedAmount.value,
          partialCapturePossible: true,
        }
      }
      return capturedAmount.value > 0
        ? { stage: "Ended", status: "CAPTURED", moneyMoved: true, amount: capturedAmount.value }
        : { stage: "Ended", status: "CANCELLED", moneyMoved: false }
    }
    case "ABORTED":
    case "EXPIRED":
    case "TERMINATED":
      return { stage: "Ended", status: payment.state, moneyMoved: false }
    default:
      return { stage: "Open", status: payment.state }
  }
}

// A refund has happened when the event log has a successful REFUNDED event under its key; one
// that has not is ready to be sent (again, with the same key).
const refundView = (
  events: ReadonlyArray<Payment.PaymentEvent>,
  key: string,
  plan: RefundPlan,
): View => {
  const refunded = events.find(
    (event) => event.name === "REFUNDED" && event.success && event.idempotencyKey === key,
  )
  return refunded === undefined
    ? { stage: "Reserved", status: "NOT_REFUNDED", amount: plan.amount.value }
    : { stage: "Ended", status: "REFUNDED", moneyMoved: true, amount: refunded.amount.value }
}

const movedMoney = (_kind: EntryKind, outcome: Outcome): boolean =>
  outcome._tag === "Final" && (outcome.status === "CAPTURED" || outcome.status === "REFUNDED")

const money = (amount: { readonly currency: string; readonly value: number }) =>
  `${(amount.value / 100).toFixed(2)} ${amount.currency}`

// A short fingerprint of a customer value: enough to tell two apart in `OrderIdReused`,
// nothing to reach the customer with (a customer token is a secret for 15 minutes).
const fingerprint = (text: string): string => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, "0")
}

const customerTerm = (customer: Payment.Customer | undefined): string | undefined => {
  if (customer === undefined) return undefined
  if ("phoneNumber" in customer) return `phoneNumber #${fingerprint(customer.phoneNumber)}`
  if ("personalQr" in customer) return `personalQr #${fingerprint(customer.personalQr)}`
  return `customerToken #${fingerprint(customer.customerToken)}`
}

const terms = (plan: Plan): ReadonlyMap<string, string> => {
  const entries: Array<readonly [string, unknown]> =
    plan._tag === "Refund"
      ? [
          ["reference", plan.reference],
          ["amount", plan.amount],
        ]
      : [
          ["amount", plan.request.amount],
          ["captureAmount", plan.captureAmount],
          ["userFlow", plan.request.userFlow],
          ["customer", customerTerm(plan.request.customer)],
          ["qrFormat", plan.request.qrFormat],
          ["paymentDescription", plan.request.paymentDescription],
          ["till", plan.till],
        ]
  return new Map(
    entries.flatMap(([term, value]) =>
      value === undefined ? [] : [[term, JSON.stringify(value)] as const],
    ),
  )
}

// ---------------------------------------------------------------------------------------
// The backend

const encodeRequest = Schema.encodeSync(Payment.CreatePaymentRequest)

/**
 * The ePayment backend on the {@link EPaymentClient} in context, and the
 * {@link WebhookReceiver} when one is there (its events wake a waiting flow; polling
 * continues, slower, for the events that are lost). An invalid poll interval fails with
 * `InvalidInput`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {},
): Effect.Effect<Backend, InvalidInput.InvalidInput, EPaymentClient> =>
  Effect.gen(function* () {
    const client = yield* EPaymentClient
    const receiver = yield* Effect.serviceOption(WebhookReceiver)
    const firstPoll = yield* DurationOption.delay("firstPoll", options.firstPoll, "5 seconds")
    const interval = Option.isSome(receiver)
      ? yield* DurationOption.timeout(
          "webhookPollInterval",
          options.webhookPollInterval,
          "30 seconds",
        )
      : yield* DurationOption.timeout("pollInterval", options.pollInterval, "2 seconds")
    // Whether the caller was shown the payment (its QR), once per backend (one per flow).
    const shown = yield* Ref.make(false)
    const onCreated = options.onCreated
    const show = (created: Created) =>
      onCreated === undefined
        ? Effect.void
        : Effect.flatMap(Ref.getAndSet(shown, true), (done) =>
            done
              ? Effect.void
              : onCreated(created).pipe(
                  Effect.catchAllCause((cause) =>
                    Effect.logWarning(`showing payment ${created.reference} failed`, cause),
                  ),
                ),
          )
    const onRead = options.onRead
    const observed = <E>(effect: Effect.Effect<View, E>): Effect.Effect<View, E> =>
      onRead === undefined
        ? effect
        : Effect.tap(effect, (view) =>
            onRead(view).pipe(
              Effect.catchAllCause((cause) =>
                Effect.logWarning("observing a payment failed", cause),
              ),
            ),
          )

    const call = (entry: Entry) => ({ merchantSerialNumber: entry.merchant })

    // Whether the payment at `reference` is the one this entry's create call made: its CREATED
    // event carries the entry's key.
    const madeBy = (entry: Entry, reference: string) =>
      Effect.map(client.events(reference, call(entry)), (events) =>
        events.some((event) => event.name === "CREATED" && event.idempotencyKey === entry.key),
      )

    const findPayment = (entry: Entry, known: ReadonlySet<string>) =>
      Effect.gen(function* () {
        const reference = referenceOf(entry)
        if (known.has(reference)) return Option.none<string>()
        const found = yield* Effect.either(client.get(reference, call(entry)))
        if (found._tag === "Left") {
          return found.left._tag === "PaymentNotFound"
            ? Option.none<string>()
            : yield* Effect.fail(found.left)
        }
        return (yield* madeBy(entry, reference)) ? Option.some(reference) : Option.none<string>()
      })

    const createPayment = (entry: Entry, plan: PaymentPlan) =>
      Effect.gen(function* () {
        const reference = yield* decodeReference(referenceOf(entry))
        const request = { ...encodeRequest(plan.request), reference }
        const created = yield* client
          .create(request, { ...call(entry), idempotencyKey: entry.key })
          .pipe(
            // The platform forgot the key (it keeps keys for an undocumented time) but not the
            // reference: the payment is this entry's if its CREATED event has the entry's key.
            Effect.catchTag("ReferenceAlreadyUsed", (refused) =>
              Effect.flatMap(madeBy(entry, reference), (ours) =>
                ours
                  ? Effect.map(client.get(reference, call(entry)), (payment) => ({
                      reference,
                      redirectUrl: payment.redirectUrl,
                    }))
                  : Effect.fail(refused),
              ),
            ),
          )
        yield* show({ orderId: entry.orderId, reference, redirectUrl: created.redirectUrl })
        return { id: reference, customerUrl: created.redirectUrl }
      })

    const readPayment = (entry: Entry, reference: string) =>
      Effect.map(client.get(reference, call(entry)), (payment) => ({
        payment,
        view: viewOf(payment),
      }))

    const read = (
      entry: Entry,
      plan: Plan,
      id: string,
    ): Effect.Effect<View, EPaymentClientError> =>
      plan._tag === "Refund"
        ? Effect.map(client.events(plan.reference, call(entry)), (events) =>
            refundView(events, entry.key, plan),
          )
        : Effect.map(readPayment(entry, id), ({ view }) => view)

    // Waits for the customer: reads, and until the payment is reserved or ended, waits for the
    // next poll, a webhook about it, the till giving up, or the end of the wait.
    const awaitPayment = (entry: Entry, reference: string, wait: Wait) =>
      Effect.scoped(
        Effect.gen(function* () {
          const woken = yield* Queue.sliding<void>(1)
          if (Option.isSome(receiver)) {
            const events = yield* receiver.value.watchPayment(reference)
            yield* Effect.forkScoped(Stream.runForEach(events, () => Queue.offer(woken, undefined)))
          }
          const started = yield* Clock.currentTimeMillis
          const end = Duration.isFinite(wait.within)
            ? Option.some(started + Duration.toMillis(wait.within))
            : Option.none<number>()
          const stop = Effect.raceFirst(
            wait.interrupted,
            Option.match(end, {
              onNone: () => Effect.never,
              onSome: (at) =>
                Effect.flatMap(Clock.currentTimeMillis, (now) =>
                  Effect.sleep(Duration.millis(Math.max(0, at - now))),
                ),
            }),
          )
          const stopped = yield* Effect.forkScoped(stop)
          const pause = (delay: Duration.Duration) =>
            Effect.raceAll([
              Effect.as(Effect.sleep(delay), false),
              Effect.as(Queue.take(woken), false),
              Effect.as(stopped.await, true),
            ])
          const step = (
            failures: number,
          ): Effect.Effect<Option.Option<View>, EPaymentClientError> =>
            Effect.gen(function* () {
              const result = yield* Effect.either(readPayment(entry, reference))
              if (result._tag === "Right") {
                const { payment, view } = result.right
                yield* show({ orderId: entry.orderId, reference, redirectUrl: payment.redirectUrl })
                yield* observed(Effect.succeed(view))
                if (view.stage !== "Open") return Option.some(view)
              } else if (!EPaymentError.isTransient(result.left)) {
                return yield* Effect.fail(result.left)
              }
              const now = yield* Clock.currentTimeMillis
              const delay =
                result._tag === "Left"
                  ? backoff(failures + 1, wait.maxFailureDelay, result.left)
                  : Duration.max(
                      interval,
                      Duration.millis(entry.createdAt + Duration.toMillis(firstPoll) - now),
                    )
              if (yield* pause(delay)) return Option.none()
              return yield* step(result._tag === "Left" ? failures + 1 : 0)
            })
          return yield* step(0)
        }),
      )

    const capturePayment = (entry: Entry, plan: PaymentPlan, reference: string, amount: number) =>
      Effect.gen(function* () {
        const { currency } = plan.request.amount
        const before = yield* client.get(reference, call(entry))
        // Captured already (this capture, its answer lost): not again.
        const captured =
          before.aggregate.capturedAmount.value > 0
            ? before
            : yield* client
                .capture(
                  reference,
                  { currency, value: amount },
                  {
                    ...call(entry),
                    idempotencyKey: keys(entry).capture,
                  },
                )
                .pipe(Effect.catchTag("AlreadyCaptured", () => client.get(reference, call(entry))))
        // What a partial capture left reserved is released at once (§11.1).
        return viewOf(
          viewOf(captured).stage === "Reserved"
            ? yield* client.cancel(reference, {
                ...call(entry),
                idempotencyKey: keys(entry).release,
              })
            : captured,
        )
      })

    const cancelPayment = (entry: Entry, reference: string) =>
      client
        .cancel(reference, {
          ...call(entry),
          cancelTransactionOnly: true,
          idempotencyKey: keys(entry).cancelOnly,
        })
        .pipe(
          // The customer approved meanwhile. The decision recorded is to cancel: the reservation
          // is released too.
          Effect.catchTag("CannotCancelAuthorized", () =>
            client.cancel(reference, { ...call(entry), idempotencyKey: keys(entry).cancel }),
          ),
          Effect.catchTag("CannotCancelCaptured", () => client.get(reference, call(entry))),
          Effect.map(viewOf),
        )

    const sendRefund = (entry: Entry, plan: RefundPlan) =>
      Effect.as(
        client.refund(plan.reference, plan.amount, { ...call(entry), idempotencyKey: entry.key }),
        { id: plan.reference },
      )

    const backend: Backend = {
      name,
      Plan,
      kindOf: (plan) => plan._tag,
      captureAmount: (plan) => (plan._tag === "Refund" ? plan.amount.value : plan.captureAmount),
      terms,
      // Not published; the sandbox keeps keys 24 h, V10 kept them at least as long. Past it, a
      // payment is found by its reference, a refund by its key in the event log.
      idempotencyWindow: Duration.hours(24),
      // A payment is found at its reference, so recovery looks rather than resends: a push or
      // QR for a sale its till gave up would reach the customer. The default client gives up
      // a create within about 2 minutes (4 attempts of 15 s, their backoff, a 429's wait); 5
      // minutes after the entry opened, no create call of it can still arrive.
      createInFlight: Duration.minutes(5),
      isRefusal: EPaymentError.isRefusal,
      create: (entry, plan) =>
        plan._tag === "Refund" ? sendRefund(entry, plan) : createPayment(entry, plan),
      find: (entry, plan, known) =>
        plan._tag === "Refund"
          ? Effect.map(client.events(plan.reference, call(entry)), (events) =>
              refundView(events, entry.key, plan).stage === "Ended"
                ? Option.some(plan.reference)
                : Option.none(),
            )
          : findPayment(entry, known),
      read: (entry, plan, id) => observed(read(entry, plan, id)),
      await: (entry, plan, id, wait) =>
        plan._tag === "Refund"
          ? Effect.map(observed(read(entry, plan, id)), Option.some)
          : awaitPayment(entry, id, wait),
      capture: (entry, plan, id, amount) =>
        observed(
          plan._tag === "Refund"
            ? Effect.zipRight(sendRefund(entry, plan), read(entry, plan, id))
            : capturePayment(entry, plan, id, amount),
        ),
      cancel: (entry, plan, id) =>
        observed(plan._tag === "Refund" ? read(entry, plan, id) : cancelPayment(entry, id)),
      movedMoney,
      describe: (entry, plan, id) =>
        plan._tag === "Refund"
          ? `refund ${entry.key} of payment ${id}: ${money(plan.amount)}`
          : `payment ${id} created: ${money(plan.request.amount)}`,
    }
    return backend
  })

// How long to wait after `failures` failed reads in a row: the server's `Retry-After` when it
// sent one, else doubling from 2 s, at most `max`.
const backoff = (
  failures: number,
  max: Duration.Duration,
  error: EPaymentClientError,
): Duration.Duration => {
  const asked =
    "retryAfterMillis" in error && typeof error.retryAfterMillis === "number"
      ? Duration.millis(error.retryAfterMillis)
      : undefined
  const doubled = Duration.min(Duration.millis(2000 * 2 ** Math.min(failures - 1, 10)), max)
  return asked === undefined ? doubled : Duration.max(asked, doubled)
}
