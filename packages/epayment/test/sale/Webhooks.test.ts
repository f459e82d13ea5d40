/**
 * Where a flow learns the customer's answer: from webhooks when a WebhookReceiver is mounted
 * (the approval's delivery wakes it, the clock standing; the money moves only after a read),
 * from polling otherwise (5 s after create, then every 2 s, under 120 reads a minute); and the
 * callback-QR sticker, whose check-in arrives only by webhook.
 */
import { SaleFlow } from "@effect-mobilepay/epayment"
import { Time } from "@effect-mobilepay/test-support"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, TestClock } from "effect"
import { anna, bent } from "../support/Sandboxed.js"
import { cancellablePush, dkk, hookedSales, sales, shown } from "../support/Sales.js"

describe("SaleFlow: webhooks and polling", () => {
  it.scoped(
    "with a receiver, the approval's webhook wakes the flow: captured, the clock standing",
    () =>
      Effect.gen(function* () {
        const setting = yield* hookedSales()
        const flow = yield* Effect.fork(
          setting.runHooked(
            SaleFlow.pushToPhone({
              orderId: "hooked-sale-01",
              amount: dkk(2500),
              phoneNumber: anna.phoneNumber,
            }),
          ),
        )
        yield* shown(setting, "hooked-sale-01")
        yield* setting.customer.approve("hooked-sale-01")
        // No clock movement: only the delivery can have told the flow.
        expect(yield* Fiber.join(flow)).toMatchObject({ _tag: "Captured", amount: 2500 })
        // Confirmed by reads: the one at the start, one after the webhook, one before capturing.
        const reads = yield* setting.reads
        expect(reads.length).toBeGreaterThanOrEqual(2)
        expect(reads.length).toBeLessThanOrEqual(4)
        const paths = (yield* setting.ePaymentRequests).map(
          (request) => `${request.method} ${request.path}`,
        )
        expect(paths.lastIndexOf("GET /epayment/v1/payments/hooked-sale-01")).toBeLessThan(
          paths.indexOf("POST /epayment/v1/payments/hooked-sale-01/capture"),
        )
      }),
  )

  it.scoped(
    "without a receiver, the flow polls: 5 s after create, then every 2 s",
    () =>
      Effect.gen(function* () {
        const setting = yield* sales()
        const { flow, cancel } = yield* cancellablePush(setting, "polled-sale-01", 2500)
        yield* shown(setting, "polled-sale-01")
        const started = yield* TestClock.currentTimeMillis
        // Half a minute of an undecided customer, stepped finer than any poll.
        for (let step = 0; step < 300; step++) {
          yield* Time.eventLoopTurn
          yield* TestClock.adjust("100 millis")
        }
        const reads = (yield* setting.reads).map((read) => read.receivedAt - started)
        expect(reads[0]).toBe(0)
        expect(reads[1]).toBeGreaterThanOrEqual(5000)
        expect(reads[1]).toBeLessThan(5200)
        for (let i = 2; i < reads.length; i++) {
          expect(reads[i]! - reads[i - 1]!).toBeGreaterThanOrEqual(2000)
          expect(reads[i]! - reads[i - 1]!).toBeLessThan(2200)
        }
        // 0 s, 5 s, 7 s, ..., 29 s.
        expect(reads).toHaveLength(14)
        yield* cancel
        expect(yield* Fiber.join(flow)).toMatchObject({
          _tag: "NotCompleted",
          status: "TERMINATED",
        })
      }),
    30_000,
  )

  it.scoped(
    "the callback-QR sticker: a check-in, a payment to its customer within 15 minutes",
    () =>
      Effect.gen(function* () {
        const setting = yield* hookedSales()
        yield* setting.qr.putCallbackQr("till-7", {
          locationDescription: "Kasse 7",
          category: "IN_STORE",
        })
        const sticker = yield* setting.qr.getCallbackQr("till-7", { format: "SVG" })
        const flow = yield* Effect.fork(
          setting.runHooked(
            SaleFlow.callbackQr({
              orderId: "sticker-sale-1",
              amount: dkk(3900),
              merchantQrId: "till-7",
            }),
          ),
        )
        yield* setting.customer.scan(sticker.qrContent ?? "", bent.phoneNumber)
        yield* shown(setting, "sticker-sale-1", bent.phoneNumber)
        yield* setting.customer.approve("sticker-sale-1", bent.phoneNumber)
        expect(yield* Fiber.join(flow)).toMatchObject({ _tag: "Captured", amount: 3900 })
        const [entry] = yield* setting.journal.query({ orderId: "sticker-sale-1" })
        expect(entry?.plan).toMatchObject({ till: "till-7", request: { userFlow: "PUSH_MESSAGE" } })

        // A customer who scanned before the till rang the sale up is asked to pay too; their
        // check-in is used once: the next sale at the sticker waits for the next scan.
        // (A second later: the receiver drops a check-in at the same QR and time as a duplicate.)
        yield* TestClock.adjust("1 second")
        yield* setting.customer.scan(sticker.qrContent ?? "", anna.phoneNumber)
        yield* Time.waitUntil(
          Effect.map(
            setting.sandbox.webhookAttempts,
            (all) =>
              all.filter((one) => one.eventType === "user.checked-in.v1" && one.status === 200)
                .length === 2,
          ),
        )
        const early = yield* Effect.fork(
          setting.runHooked(
            SaleFlow.callbackQr({
              orderId: "sticker-sale-2",
              amount: dkk(1000),
              merchantQrId: "till-7",
            }),
          ),
        )
        yield* shown(setting, "sticker-sale-2", anna.phoneNumber)
        yield* setting.customer.approve("sticker-sale-2", anna.phoneNumber)
        expect(yield* Fiber.join(early)).toMatchObject({ _tag: "Captured", amount: 1000 })
        const giveUp = yield* Deferred.make<void>()
        const nobody = yield* Effect.fork(
          setting.runHooked(
            SaleFlow.callbackQr(
              { orderId: "sticker-sale-3", amount: dkk(1000), merchantQrId: "till-7" },
              { cancelWhen: Deferred.await(giveUp) },
            ),
          ),
        )
        for (let turn = 0; turn < 20; turn++) yield* Time.eventLoopTurn
        expect(Option.isNone(yield* Fiber.poll(nobody))).toBe(true)
        yield* Deferred.succeed(giveUp, undefined)
        const none = yield* Effect.flip(Fiber.join(nobody))
        expect(none).toMatchObject({ _tag: "NoCheckIn", merchantQrId: "till-7" })
        expect(yield* setting.journal.query({ orderId: "sticker-sale-3" })).toEqual([])
      }),
    30_000,
  )

  it.scoped("a check-in older than 15 minutes is not used", () =>
    Effect.gen(function* () {
      const setting = yield* hookedSales()
      yield* setting.qr.putCallbackQr("till-8", {
        locationDescription: "Kasse 8",
        category: "IN_STORE",
      })
      const sticker = yield* setting.qr.getCallbackQr("till-8", { format: "SVG" })
      yield* setting.customer.scan(sticker.qrContent ?? "", anna.phoneNumber)
      yield* Time.waitUntil(Effect.map(setting.sandbox.webhookAttempts, (all) => all.length >= 1))
      yield* TestClock.adjust("15 minutes")
      const flow = yield* Effect.fork(
        setting.runHooked(
          SaleFlow.callbackQr(
            { orderId: "sticker-sale-9", amount: dkk(1000), merchantQrId: "till-8" },
            { checkInTimeout: "1 minute" },
          ),
        ),
      )
      yield* Time.advanceToSleepWithin("1 minute")
      expect(yield* Effect.flip(Fiber.join(flow))).toMatchObject({ _tag: "NoCheckIn" })
      expect(yield* setting.ePaymentRequests).toEqual([])
    }),
  )
})
