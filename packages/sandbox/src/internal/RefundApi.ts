/**
 * Refunds of captured payments: create, query, capture and cancel, with the 24 h auto-capture
 * and the refund rules of pos-v10 §5 (codes 1354, 1365–1368). Their errors carry `origin`.
 */
import { Effect, Either } from "effect"
import { authorize, type Caller } from "./Auth.js"
import { badRequest, conflict, Incoming, jsonBody, NotFound, ok, respondJson } from "./Http.js"
import { CreateRefundBody, isGuid, toCents } from "./Input.js"
import { checkOwner, idempotent, pathId, type Step } from "./Resource.js"
import {
  nextId,
  paymentOf,
  pointOfSaleOf,
  refundOf,
  refundPeriod,
  refundsOfPayment,
  withRefund,
  type Refund,
  type State,
} from "./State.js"
import { transact, type World } from "./World.js"

const refundView = (world: World, refund: Refund) => ({
  refundId: refund.refundId,
  paymentId: refund.paymentId,
  refundOrderId: refund.refundOrderId,
  amount: refund.amount,
  currencyCode: refund.currencyCode,
  status: refund.status,
  pollDelayInMs: world.pollDelayInMs,
})

const createRefund = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const body = yield* jsonBody(CreateRefundBody)
    const created = yield* idempotent(world, caller, "CreateRefund", body, (state, now) => {
      const payment = paymentOf(state, body.paymentId.toLowerCase())
      if (payment === undefined) return Either.left(conflict("1001", "Payment not found"))
      const refused = checkOwner(payment, caller, "1401", "1401", "payments")
      if (refused !== undefined) return Either.left(refused)
      if (payment.status !== "Captured") {
        return Either.left(
          conflict("1354", "Refund of payment not possible when payment is not captured"),
        )
      }
      if (payment.currencyCode !== body.currencyCode) {
        return Either.left(
          conflict("1365", "Refund CurrencyCode is different than payment CurrencyCode"),
        )
      }
      if (now > (payment.capturedAt ?? payment.createdAt) + refundPeriod) {
        return Either.left(conflict("1366", "Payment is too old"))
      }
      const refunded = refundsOfPayment(state, payment.paymentId)
        .filter(
          (refund) =>
            refund.status !== "CancelledByClient" && refund.status !== "CancelledByMobilePay",
        )
        .reduce((sum, refund) => sum + toCents(refund.amount), 0)
      if (refunded + toCents(body.amount) > toCents(payment.capturedAmount ?? 0)) {
        return Either.left(conflict("1367", "Refund Amount is too high"))
      }
      const storeId = pointOfSaleOf(state, payment.posId)?.storeId
      const balance = storeId === undefined ? undefined : state.storeBalance.get(storeId)
      if (
        storeId !== undefined &&
        balance !== undefined &&
        toCents(balance) < toCents(body.amount)
      ) {
        return Either.left(conflict("1368", "The store balance does not cover the refund"))
      }
      const [refundId, next] = nextId(world.seed, state)
      const refund: Refund = {
        refundId,
        paymentId: payment.paymentId,
        refundOrderId: body.refundOrderId,
        amount: body.amount,
        currencyCode: body.currencyCode,
        // The sandbox's card back end reserves at once; capture or auto-capture follows.
        status: "Reserved",
        integratorId: caller.integratorId,
        merchantVat: caller.merchantVat,
        createdAt: now,
      }
      const withBalance =
        storeId !== undefined && balance !== undefined
          ? {
              ...next,
              storeBalance: new Map(next.storeBalance).set(
                storeId,
                (toCents(balance) - toCents(body.amount)) / 100,
              ),
            }
          : next
      return Either.right([{ refundId }, withRefund(withBalance, refund)] as const)
    })
    return respondJson(created)
  })

const queryRefundIds = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const { query } = yield* Incoming
    const { paymentId } = query
    if (paymentId === undefined) {
      return yield* badRequest("1110", "Refund filter not specific enough")
    }
    if (!isGuid(paymentId)) return yield* badRequest("1099", "paymentId must be a GUID")
    const state = yield* transact(world, (s) => Either.right([s, s] as const))
    const refundIds = refundsOfPayment(state, paymentId.toLowerCase())
      .filter(
        (refund) =>
          refund.integratorId === caller.integratorId && refund.merchantVat === caller.merchantVat,
      )
      .map((refund) => refund.refundId)
    return respondJson({ refundIds })
  })

const onRefund = <A>(
  world: World,
  caller: Caller,
  refundId: string,
  step: (refund: Refund, state: State) => Step<A>,
) =>
  transact(world, (state): Step<A> => {
    const refund = refundOf(state, refundId)
    if (refund === undefined) return Either.left(new NotFound({ what: "refund" }))
    const refused = checkOwner(refund, caller, "1402", "1402", "refunds")
    return refused === undefined ? step(refund, state) : Either.left(refused)
  })

const getRefund = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const refundId = yield* pathId("refundId")
    const refund = yield* onRefund(world, caller, refundId, (refund, state) =>
      Either.right([refund, state] as const),
    )
    return respondJson(refundView(world, refund))
  })

const captureRefund = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const refundId = yield* pathId("refundId")
    yield* onRefund(world, caller, refundId, (refund, state): Step<void> => {
      if (refund.status === "Captured" || refund.status === "ExpiredAndCaptured") {
        return Either.right([undefined, state] as const)
      }
      if (refund.status !== "Reserved") {
        return Either.left(conflict("1351", "Cannot capture refund when refund is not reserved"))
      }
      return Either.right([
        undefined,
        withRefund(state, { ...refund, status: "Captured" }),
      ] as const)
    })
    return ok
  })

const cancelRefund = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const refundId = yield* pathId("refundId")
    yield* onRefund(world, caller, refundId, (refund, state): Step<void> => {
      if (refund.status === "CancelledByClient") return Either.right([undefined, state] as const)
      if (refund.status !== "Reserved") {
        return Either.left(conflict("1352", "The refund cannot be cancelled in the current state"))
      }
      return Either.right([
        undefined,
        withRefund(state, { ...refund, status: "CancelledByClient" }),
      ] as const)
    })
    return ok
  })

/** The refund operations: method, path (router syntax), handler, refund-shaped errors. */
export const refundOperations = (world: World) =>
  [
    ["POST", "/refunds", createRefund(world), true],
    ["GET", "/refunds", queryRefundIds(world), true],
    ["GET", "/refunds/:refundId", getRefund(world), true],
    ["POST", "/refunds/:refundId/capture", captureRefund(world), true],
    ["POST", "/refunds/:refundId/cancel", cancelRefund(world), true],
  ] as const
