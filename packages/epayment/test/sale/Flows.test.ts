/**
 * The in-store flows on the sale engine against the sandbox over loopback, on the TestClock:
 * each flow to captured (push, personal QR, dynamic QR), a partial capture releasing the rest,
 * and the ways a sale ends without money: the customer rejects, the customer's 10 minutes run
 * out (and nothing cancels earlier), the till cancels (cancelTransactionOnly), and the till
 * cancels just after the customer approved (6060).
 */
import { SaleFlow } from "@effect-mobilepay/epayment"
import type { EPaymentSale } from "@effect-mobilepay/epayment"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Option, TestClock } from "effect"
import { anna, bent, qrTarget } from "../support/Sandboxed.js"
import { cancellablePush, dkk, eventsOf, sales, shown } from "../support/Sales.js"

describe("SaleFlow on the sale engine", () => {
  it.scoped("push to a phone number: approved, captured in full, journaled as CAPTURED", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const flow = yield* Effect.fork(
        setting.run(
          SaleFlow.pushToPhone({
            orderId: "push-order-01",
            amount: dkk(12500),
            phoneNumber: anna.phoneNumber,
            paymentDescription: "Coffee",
          }),
        ),
      )
      yield* shown(setting, "push-order-01")
      yield* setting.customer.approve("push-order-01")
      const outcome = yield* Time.driveUntilDone(flow, "500 millis")
      expect(outcome).toEqual(
        SaleFlow.SaleOutcome.Captured({
          orderId: "push-order-01",
          reference: "push-order-01",
          amount: 12500,
        }),
      )
      expect(yield* eventsOf(setting, "push-order-01")).toEqual([
        "CREATED 12500",
        "AUTHORIZED 12500",
        "CAPTURED 12500",
      ])
      const [entry] = yield* setting.journal.query({ orderId: "push-order-01" })
      expect(entry?.backend).toBe("EPayment")
      expect(Option.getOrUndefined(entry!.outcome)).toEqual({
        _tag: "Final",
        status: "CAPTURED",
        amount: 12500,
      })
      const posts = yield* setting.modifications
      expect(posts.map((post) => [post.path, post.headers["idempotency-key"]])).toEqual([
        ["/epayment/v1/payments", entry?.key],
        ["/epayment/v1/payments/push-order-01/capture", `${entry?.key}-capture`],
      ])
      // Ringing the order up again answers from the journal: no second payment.
      const again = yield* setting.run(
        SaleFlow.pushToPhone({
          orderId: "push-order-01",
          amount: dkk(12500),
          phoneNumber: anna.phoneNumber,
          paymentDescription: "Coffee",
        }),
      )
      expect(again).toEqual(outcome)
      expect(yield* setting.modifications).toHaveLength(2)
    }),
  )

  it.scoped("the customer's personal QR, captured in part: the rest is released at once", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const flow = yield* Effect.fork(
        setting.run(
          SaleFlow.scanPersonalQr(
            { orderId: "pqr-order-01", amount: dkk(12500), personalQr: bent.personalQr },
            { captureAmount: 8000 },
          ),
        ),
      )
      yield* shown(setting, "pqr-order-01", bent.phoneNumber)
      yield* setting.customer.approve("pqr-order-01", bent.phoneNumber)
      const outcome = yield* Time.driveUntilDone(flow, "500 millis")
      expect(outcome).toMatchObject({ _tag: "Captured", amount: 8000 })
      expect(yield* eventsOf(setting, "pqr-order-01")).toEqual([
        "CREATED 12500",
        "AUTHORIZED 12500",
        "CAPTURED 8000",
        "CANCELLED 4500",
      ])
    }),
  )

  it.scoped("a dynamic QR: its image reaches the till before the customer scans it", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const qrs = yield* Deferred.make<EPaymentSale.Created>()
      const flow = yield* Effect.fork(
        setting.run(
          SaleFlow.dynamicQr(
            { orderId: "screen-order-01", amount: dkk(4500) },
            { onCreated: (created) => Deferred.succeed(qrs, created) },
          ),
        ),
      )
      const created = yield* Deferred.await(qrs)
      expect(created).toMatchObject({ orderId: "screen-order-01", reference: "screen-order-01" })
      expect(created.redirectUrl).toMatch(/\.svg$/)
      const target = yield* qrTarget(created.redirectUrl ?? "")
      yield* setting.customer.scan(target)
      yield* setting.customer.approve("screen-order-01")
      expect(yield* Time.driveUntilDone(flow, "500 millis")).toMatchObject({
        _tag: "Captured",
        amount: 4500,
      })
    }),
  )

  it.scoped("the customer rejects: NotCompleted ABORTED, nothing captured or cancelled", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const flow = yield* Effect.fork(
        setting.run(
          SaleFlow.pushToPhone({
            orderId: "reject-order-01",
            amount: dkk(2500),
            phoneNumber: anna.phoneNumber,
          }),
        ),
      )
      yield* shown(setting, "reject-order-01")
      yield* setting.customer.reject("reject-order-01")
      expect(yield* Time.driveUntilDone(flow, "500 millis")).toMatchObject({
        _tag: "NotCompleted",
        status: "ABORTED",
      })
      expect((yield* setting.modifications).map((post) => post.path)).toEqual([
        "/epayment/v1/payments",
      ])
    }),
  )

  it.scoped(
    "an ignored request: the flow waits the customer's 10 minutes, cancels nothing",
    () =>
      Effect.gen(function* () {
        // The clock jumps minutes at once: a read's deadline must not pass while it is on its way.
        const setting = yield* sales({ client: { readTimeout: "1 hour" } })
        const flow = yield* Effect.fork(
          setting.run(
            SaleFlow.pushToPhone(
              {
                orderId: "ignore-order-1",
                amount: dkk(2500),
                phoneNumber: anna.phoneNumber,
              },
              // Fewer reads for the clock to step through; what is asserted is the waiting.
              { pollInterval: "1 minute" },
            ),
          ),
        )
        yield* shown(setting, "ignore-order-1")
        // A millisecond before the platform's 10 minutes, the flow still waits.
        yield* TestClock.adjust(Duration.subtract(Duration.minutes(10), Duration.millis(1)))
        yield* Time.eventLoopTurn
        expect(Option.isNone(yield* Fiber.poll(flow))).toBe(true)
        yield* TestClock.adjust(Duration.millis(1))
        // The next poll, a minute on, finds it EXPIRED.
        yield* TestClock.adjust("1 minute")
        const outcome = yield* Time.driveUntilDone(flow, "500 millis")
        expect(outcome).toMatchObject({ _tag: "NotCompleted", status: "EXPIRED" })
        expect((yield* setting.modifications).map((post) => post.path)).toEqual([
          "/epayment/v1/payments",
        ])
      }),
    30_000,
  )

  it.scoped("the till cancels while the customer decides: cancelTransactionOnly, TERMINATED", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const { flow, cancel } = yield* cancellablePush(setting, "till-cancel-01", 2500)
      yield* shown(setting, "till-cancel-01")
      yield* cancel
      expect(yield* Fiber.join(flow)).toMatchObject({ _tag: "NotCompleted", status: "TERMINATED" })
      const posts = yield* setting.modifications
      expect(posts.map((post) => [post.path, post.body])).toEqual([
        ["/epayment/v1/payments", expect.any(String)],
        ["/epayment/v1/payments/till-cancel-01/cancel", '{"cancelTransactionOnly":true}'],
      ])
      expect((yield* setting.customer.approve("till-cancel-01")).status).toBe(409)
    }),
  )

  it.scoped(
    "the till cancels just after the customer approved (6060): the reservation is released",
    () =>
      Effect.gen(function* () {
        const setting = yield* sales()
        const { flow, cancel } = yield* cancellablePush(setting, "till-cancel-02", 2500)
        yield* shown(setting, "till-cancel-02")
        // The flow read CREATED and waits for its next poll; the customer approves, then the till
        // gives up before that poll.
        yield* setting.customer.approve("till-cancel-02")
        yield* cancel
        expect(yield* Fiber.join(flow)).toMatchObject({ _tag: "NotCompleted", status: "CANCELLED" })
        const posts = (yield* setting.modifications).map((post) => post.path)
        expect(posts).toEqual([
          "/epayment/v1/payments",
          "/epayment/v1/payments/till-cancel-02/cancel",
          "/epayment/v1/payments/till-cancel-02/cancel",
        ])
        expect(yield* eventsOf(setting, "till-cancel-02")).toEqual([
          "CREATED 2500",
          "AUTHORIZED 2500",
          "CANCELLED 2500",
        ])
      }),
  )

  it.scoped("an order id that is no reference is refused before anything is written", () =>
    Effect.gen(function* () {
      const setting = yield* sales()
      const refused = yield* Effect.flip(
        setting.run(
          SaleFlow.pushToPhone({
            orderId: "short",
            amount: dkk(2500),
            phoneNumber: anna.phoneNumber,
          }),
        ),
      )
      expect(refused).toMatchObject({ _tag: "InvalidInput", field: "orderId" })
      expect(yield* setting.journal.query({})).toEqual([])
      expect(yield* setting.ePaymentRequests).toEqual([])
    }),
  )
})
