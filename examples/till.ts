/**
 * One till program on either platform: MobilePay PoS V10 or Vipps MobilePay ePayment, chosen by
 * `TILL_BACKEND` (`v10`, or `epayment`, the default). The till code is the same on both: it
 * starts a sale (held: it answers as soon as the payment exists), shows what the customer must
 * see, awaits the customer; starts a second sale and cancels it (the customer walked away);
 * then gives part of the first back. The till is the library's `Till`; only its layer differs:
 * `PosTill.layer` or `EPaymentTill.layer` (see shared/Till.ts).
 *
 *   pnpm example till                      # ePayment, against the embedded sandbox
 *   TILL_BACKEND=v10 pnpm example till     # PoS V10, against the embedded sandbox
 */
import { Till } from "@effect-mobilepay/sale"
import { Effect } from "effect"
import * as Main from "./shared/Main.js"
import { Counter, layer } from "./shared/Till.js"

const program = Effect.gen(function* () {
  const till = yield* Till.Till
  const counter = yield* Counter
  const money = (value: number) => Main.amount(value / 100, till.currency)
  yield* Effect.log(`till on ${counter.backend}, talking to ${counter.description}`)
  const receipt = `till-${Date.now()}`

  // A sale: the till shows what the customer must see and waits; the customer approves.
  const paid = yield* Effect.scoped(
    Effect.gen(function* () {
      const sale = yield* till.start({ orderId: receipt, amount: 12550 })
      yield* Effect.log(`sale ${sale.orderId} of ${money(12550)}: ${counter.show(sale)}`)
      yield* Effect.fork(counter.customerApproves(sale))
      return { sale, outcome: yield* sale.await }
    }),
  )
  if (paid.outcome._tag !== "Paid") {
    return yield* Effect.fail(new Error(`sale ${receipt} ended ${paid.outcome.status}`))
  }
  yield* Effect.log(`sale ${receipt} paid: ${money(paid.outcome.amount)}`)

  // A second sale the customer walks away from: the till cancels it.
  const walkedAway = yield* Effect.scoped(
    Effect.gen(function* () {
      const sale = yield* till.start({ orderId: `${receipt}-2`, amount: 4500 })
      yield* Effect.log(`sale ${sale.orderId} of ${money(4500)}: ${counter.show(sale)}`)
      return yield* sale.cancel
    }),
  )
  yield* Effect.log(
    `sale ${receipt}-2 cancelled by the till: ${walkedAway._tag === "NotPaid" ? walkedAway.status : "paid"}`,
  )

  // The customer returns one item of the first sale.
  const back = yield* till.refund({
    refundOrderId: `${receipt}-r1`,
    orderId: receipt,
    amount: 4950,
  })
  yield* Effect.log(`refund ${receipt}-r1 gave ${money(back.amount)} back`)
  return `on ${counter.backend}: ${money(paid.outcome.amount)} paid, a sale cancelled, ${money(back.amount)} refunded`
})

Main.run(program, layer)
