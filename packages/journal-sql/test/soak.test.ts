/**
 * The fault soak: 500 mixed sales on 25 tills against a sandbox that faults about a fifth of
 * the PoS requests from a fixed seed (connections reset after the server acted, cut-off
 * answers, answers slower than the timeout, 500/503, revoked tokens, a failing token
 * endpoint), on a SQLite journal, with customers who accept, accept less, cancel or never
 * come, refunds after captures, and cashiers who ring a failed sale up again. Then recovery.
 * Judged by the sandbox's own state; the figures are printed.
 */
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import { PaymentFlow, type PosClient, Recovery, RefundFlow } from "@effect-mobilepay/pos"
import { Fault, type Sandbox } from "@effect-mobilepay/sandbox"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { describe, expect, it } from "@effect/vitest"
import { HttpClient } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Cause, Duration, Effect, Exit, Fiber, Layer, Option, Tracer } from "effect"
import { sqlite, sqliteFile } from "./support/Stores.js"
import { clientOn, merchant, startSandbox, storeId } from "./support/Tills.js"

const tills = 25
const salesPerTill = 20

type Behaviour = "accept" | "partial" | "cancel" | "noShow"
type Sale =
  | { readonly kind: "pay"; readonly customer: Behaviour }
  | { readonly kind: "prepared"; readonly customer: "accept" | "cancel" }
  | { readonly kind: "payThenRefund" }

// The mix, cycled with an offset per till: 40% plain sales, 10% partial captures, 15%
// prepared, 10% customer cancels, 10% no-shows, 15% sales refunded after capture.
const mix: ReadonlyArray<Sale> = [
  { kind: "pay", customer: "accept" },
  { kind: "payThenRefund" },
  { kind: "prepared", customer: "accept" },
  { kind: "pay", customer: "accept" },
  { kind: "pay", customer: "partial" },
  { kind: "pay", customer: "cancel" },
  { kind: "pay", customer: "accept" },
  { kind: "pay", customer: "noShow" },
  { kind: "prepared", customer: "cancel" },
  { kind: "pay", customer: "accept" },
  { kind: "payThenRefund" },
  { kind: "pay", customer: "accept" },
  { kind: "prepared", customer: "accept" },
  { kind: "pay", customer: "noShow" },
  { kind: "pay", customer: "partial" },
  { kind: "pay", customer: "cancel" },
  { kind: "pay", customer: "accept" },
  { kind: "payThenRefund" },
  { kind: "pay", customer: "accept" },
  { kind: "pay", customer: "accept" },
]

const faults: ReadonlyArray<Fault.FaultRule> = [
  { route: "/pos/v10/**", fault: Fault.Fault.ConnectionReset(), probability: 0.07 },
  { route: "/pos/v10/**", fault: Fault.Fault.MalformedJson(), probability: 0.035 },
  {
    route: "/pos/v10/**",
    fault: Fault.Fault.Latency({ delay: Duration.millis(900) }),
    probability: 0.03,
  },
  { route: "/pos/v10/**", fault: Fault.Fault.ServerError({ code: "2000" }), probability: 0.045 },
  { route: "/pos/v10/**", fault: Fault.Fault.Unavailable(), probability: 0.03 },
  { route: "/pos/v10/**", fault: Fault.Fault.Unauthorized(), probability: 0.01 },
  {
    route: "POST /integrator-authentication/connect/token",
    fault: Fault.Fault.Unavailable(),
    probability: 0.1,
  },
]

const amountOf = (index: number) => 10 + (index % 37) + (index % 4) * 0.25

interface Reported {
  readonly orderId: string
  readonly exit: Exit.Exit<unknown, { readonly _tag: string }>
  readonly rerung: boolean
}

// Undici, counting the HTTP requests (attempts) made under each logical PosClient call (its span).
const countingHttp = (attempts: Map<string, number>) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.transform(client, (response) =>
        Effect.zipRight(
          Effect.map(Effect.currentSpan, (span) => {
            if (span.name.startsWith("PosClient.")) {
              attempts.set(span.spanId, (attempts.get(span.spanId) ?? 0) + 1)
            }
          }).pipe(Effect.ignore),
          response,
        ),
      ),
    ),
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("the fault soak", () => {
  it.scopedLive(
    "500 mixed sales at ≈20% faulted requests: nothing doubled, nothing left open, every outcome true",
    () =>
      Effect.gen(function* () {
        const started = yield* startSandbox({ seed: "soak-2026-11" })
        const { sandbox, client: customerClient } = started
        const journalFile = yield* sqliteFile
        const attempts = new Map<string, number>()
        // PosClient makes its call spans only when a tracer is installed: one that passes through.
        const tracer = yield* Effect.map(Effect.tracer, (native) =>
          Tracer.make({ span: native.span, context: native.context }),
        )

        // The tills' own client, with timeouts short enough for slow answers to bite.
        const context = yield* Layer.build(
          clientOn(
            sandbox,
            { readTimeout: "300 millis", writeTimeout: "600 millis" },
            countingHttp(attempts),
          ).pipe(
            Layer.merge(
              SqlPaymentJournal.layer().pipe(
                Layer.provide(SqliteClient.layer({ filename: journalFile })),
              ),
            ),
          ),
        )
        const points = yield* Effect.forEach(
          Array.from({ length: tills }, (_, i) => i),
          (i) =>
            Effect.flatMap(
              customerClient.createPos({
                merchantPosId: `soak-till-${i}`,
                storeId,
                name: `Soak till ${i}`,
                supportedBeaconTypes: ["QR"],
              }),
              ({ posId }) => customerClient.getPos(posId),
            ),
          { concurrency: 5 },
        )
        yield* sandbox.setFaults(faults)
        const started_at = Date.now()

        const reported: Array<Reported> = []
        const runSale = (till: number, n: number) =>
          Effect.gen(function* () {
            const pos = points[till]
            if (pos === undefined) return
            const index = till * salesPerTill + n
            const sale = mix[(n + till) % mix.length] ?? { kind: "payThenRefund" }
            const orderId = `soak-${index}`
            const amount = amountOf(index)
            const behaviour: Behaviour = sale.kind === "payThenRefund" ? "accept" : sale.customer
            const request = {
              posId: pos.posId,
              orderId,
              amount,
              currencyCode: "DKK",
              plannedCaptureDelay: "None",
            } as const
            const options: PaymentFlow.PayAndCaptureOptions = {
              recoverActivePayment: true,
              customerTimeout: behaviour === "noShow" ? "700 millis" : "8 seconds",
              ...(behaviour === "partial" ? { captureAmount: Math.round(amount * 50) / 100 } : {}),
            }
            const flow =
              sale.kind === "prepared"
                ? PaymentFlow.preparedPayment(request, options)
                : PaymentFlow.payAndCapture(request, options)
            const customer = yield* Effect.fork(
              playCustomer(sandbox, customerClient, pos.beaconId, orderId, behaviour),
            )
            let exit = yield* Effect.exit(Effect.provide(flow, context))
            let rerung = false
            // The cashier rings a sale that failed up again, once.
            if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) {
              rerung = true
              yield* Effect.sleep("200 millis")
              exit = yield* Effect.exit(Effect.provide(flow, context))
            }
            yield* Fiber.interrupt(customer)
            reported.push({ orderId, exit, rerung })
            if (
              sale.kind === "payThenRefund" &&
              Exit.isSuccess(exit) &&
              exit.value._tag === "Captured"
            ) {
              const refund = RefundFlow.refund({
                paymentId: exit.value.paymentId,
                refundOrderId: `${orderId}-r`,
                amount: 5,
                currencyCode: "DKK",
              })
              let refunded = yield* Effect.exit(Effect.provide(refund, context))
              if (Exit.isFailure(refunded)) {
                refunded = yield* Effect.exit(Effect.provide(refund, context))
              }
              reported.push({ orderId: `${orderId}-r`, exit: refunded, rerung: false })
            }
          })

        yield* Effect.forEach(
          Array.from({ length: tills }, (_, till) => till),
          (till) =>
            Effect.forEach(
              Array.from({ length: salesPerTill }, (_, n) => n),
              (n) => runSale(till, n),
              { discard: true },
            ),
          { concurrency: "unbounded", discard: true },
        ).pipe(Effect.withTracer(tracer))
        const soakSeconds = (Date.now() - started_at) / 1000
        const requests = yield* sandbox.requests

        // Recovery: periodically, as in production, first with the faults still on.
        let rounds = 0
        for (; rounds < 10; rounds++) {
          if (rounds === 5) yield* sandbox.clearFaults
          const report = yield* Recovery.recover().pipe(Effect.provide(context))
          if (report.isComplete) break
          yield* Effect.sleep("500 millis")
        }

        // By the sandbox's own state.
        const payments = yield* sandbox.payments
        const refunds = yield* sandbox.refunds
        const open = [
          ...payments.filter((p) => !isFinalPayment(p.status)),
          ...refunds.filter((r) => !isFinalRefund(r.status)),
        ]
        const capturedPerOrder = new Map<string, number>()
        for (const p of payments) {
          if (p.status === "Captured") {
            capturedPerOrder.set(p.orderId, (capturedPerOrder.get(p.orderId) ?? 0) + 1)
          }
        }
        const doubled = [...capturedPerOrder.values()].filter((n) => n > 1).length
        const refundsPerOrder = new Map<string, number>()
        for (const r of refunds) {
          refundsPerOrder.set(r.refundOrderId, (refundsPerOrder.get(r.refundOrderId) ?? 0) + 1)
        }
        const doubledRefunds = [...refundsPerOrder.values()].filter((n) => n > 1).length

        const paymentById = new Map(payments.map((p) => [p.paymentId, p]))
        const refundById = new Map(refunds.map((r) => [r.refundId, r]))
        const untrue: Array<string> = []
        const defects: Array<string> = []
        const failures = new Map<string, number>()
        for (const { orderId, exit } of reported) {
          if (Exit.isFailure(exit)) {
            if (Cause.isDie(exit.cause)) defects.push(`${orderId}: ${Cause.pretty(exit.cause)}`)
            const tag = Option.match(Cause.failureOption(exit.cause), {
              onNone: () => "defect",
              onSome: (e) =>
                "code" in e && typeof e.code === "string" ? `${e._tag} ${e.code}` : e._tag,
            })
            failures.set(tag, (failures.get(tag) ?? 0) + 1)
            continue
          }
          const outcome = exit.value
          if (!isOutcome(outcome)) continue
          if (outcome._tag === "Captured") {
            const p = paymentById.get(outcome.paymentId)
            if (p?.status !== "Captured" || p.capturedAmount !== outcome.amount)
              untrue.push(orderId)
          } else if (outcome._tag === "NotCompleted") {
            if (paymentById.get(outcome.paymentId)?.status !== outcome.status) untrue.push(orderId)
          } else if (outcome._tag === "Refunded") {
            const r = refundById.get(outcome.refundId)
            if (r === undefined || !["Captured", "ExpiredAndCaptured"].includes(r.status)) {
              untrue.push(orderId)
            }
          } else if (refundById.get(outcome.refundId)?.status !== outcome.status) {
            untrue.push(orderId)
          }
        }
        // The journal's outcomes, after recovery, against the sandbox too.
        const journal = yield* sqlite(journalFile)
        const unfinished = yield* journal.unfinished
        for (const { orderId } of reported) {
          const kind = orderId.endsWith("-r") ? "Refund" : "Payment"
          for (const entry of yield* journal.attempts("PosV10", kind, merchant.vat, orderId)) {
            const outcome = Option.getOrUndefined(entry.outcome)
            if (outcome?._tag !== "Final") continue
            const id = Option.getOrElse(entry.resourceId, () => "")
            const actual =
              kind === "Payment" ? paymentById.get(id)?.status : refundById.get(id)?.status
            if (actual !== outcome.status) untrue.push(`${orderId} (journal)`)
          }
        }

        // Attempts per logical PosClient call: the HTTP requests under each call's span.
        const maxAttempts = Math.max(0, ...attempts.values())
        const posRequests = requests.filter((r) => r.path.startsWith("/pos/v10/"))
        const faulted = posRequests.filter((r) => r.fault !== undefined).length

        process.stdout.write(
          [
            "",
            `fault soak: ${reported.length} flows (${reported.filter((r) => r.rerung).length} rung up again) on ${tills} tills in ${soakSeconds.toFixed(1)} s`,
            `  PoS requests ${posRequests.length}, faulted ${faulted} (${((100 * faulted) / posRequests.length).toFixed(1)} %)`,
            `  payments ${payments.length}: ${summarize(payments.map((p) => p.status))}`,
            `  refunds ${refunds.length}: ${summarize(refunds.map((r) => r.status))}`,
            `  flow failures (typed): ${summarize([...failures].flatMap(([tag, n]) => Array<string>(n).fill(tag)))}`,
            `  recovery rounds until nothing was open: ${rounds + 1}`,
            `  duplicates ${doubled + doubledRefunds}, left open ${open.length}, untrue outcomes ${untrue.length}, defects ${defects.length}, max attempts per call ${maxAttempts}`,
            "",
          ].join("\n"),
        )
        expect(defects).toEqual([])
        expect(doubled + doubledRefunds).toBe(0)
        expect(open).toEqual([])
        expect(unfinished).toEqual([])
        expect(untrue).toEqual([])
        expect(attempts.size).toBeGreaterThan(1000)
        expect(maxAttempts).toBeLessThanOrEqual(6)
        expect(faulted / posRequests.length).toBeGreaterThan(0.15)
      }),
    180_000,
  )
})

const isFinalPayment = (status: string) =>
  [
    "Captured",
    "CancelledByUser",
    "CancelledByClient",
    "CancelledByMobilePay",
    "ExpiredAndCancelled",
  ].includes(status)
const isFinalRefund = (status: string) =>
  ["Captured", "CancelledByClient", "CancelledByMobilePay", "ExpiredAndCaptured"].includes(status)

type Outcome =
  | { readonly _tag: "Captured"; readonly paymentId: string; readonly amount: number }
  | { readonly _tag: "NotCompleted"; readonly paymentId: string; readonly status: string }
  | { readonly _tag: "Refunded"; readonly refundId: string; readonly amount: number }
  | { readonly _tag: "NotRefunded"; readonly refundId: string; readonly status: string }

const isOutcome = (value: unknown): value is Outcome =>
  typeof value === "object" && value !== null && "_tag" in value

const summarize = (values: ReadonlyArray<string>) => {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts].map(([v, n]) => `${v} ${n}`).join(", ") || "none"
}

// A customer at the till: checks in when a payment for the order waits, then accepts (a
// partial-capture user for "partial") or cancels, once per payment; a no-show does nothing.
const playCustomer = (
  sandbox: Sandbox.Sandbox.Service,
  client: PosClient.PosClient.Service,
  beaconId: string,
  orderId: string,
  behaviour: Behaviour,
) =>
  Effect.gen(function* () {
    if (behaviour === "noShow") return
    const phoneNumber = behaviour === "partial" ? "+4520031805" : "+4520031801"
    const checkedIn = new Set<string>()
    const acted = new Set<string>()
    for (;;) {
      yield* Effect.sleep("25 millis")
      const payment = (yield* sandbox.payments).filter((p) => p.orderId === orderId).at(-1)
      if (payment === undefined) continue
      const id = payment.paymentId
      if ((payment.status === "Initiated" || payment.status === "Prepared") && !checkedIn.has(id)) {
        checkedIn.add(id)
        yield* Effect.ignore(client.simulateCheckIn({ beaconId, phoneNumber }))
      }
      if (payment.status === "IssuedToUser" && !acted.has(id)) {
        acted.add(id)
        yield* Effect.ignore(
          behaviour === "cancel"
            ? client.simulateCancelPaymentByUser({ beaconId })
            : client.simulateAcceptPayment({ beaconId, phoneNumber }),
        )
      }
    }
  })
