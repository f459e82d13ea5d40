/**
 * Payments and their state machine (pos-v10 §5): initiate, prepare, ready, query, capture and
 * cancel.
 */
import { Effect, Either } from "effect"
import { authorize, type Caller } from "./Auth.js"
import {
  badRequest,
  conflict,
  forbidden,
  Incoming,
  jsonBody,
  NotFound,
  ok,
  respondJson,
  type ApiError,
} from "./Http.js"
import {
  CaptureBody,
  InitiatePaymentBody,
  isGuid,
  isValidText,
  PaymentReadyBody,
  PreparePaymentBody,
  toCents,
} from "./Input.js"
import { customerTokens, livePos } from "./PointOfSaleApi.js"
import { checkOwner, idempotent, pathId, type Step } from "./Resource.js"
import {
  activePaymentOn,
  nextId,
  paymentOf,
  paymentsOnPos,
  paymentsWithOrderId,
  reservationLifetime,
  withPayment,
  type Payment,
  type PointOfSale,
  type State,
} from "./State.js"
import { findStore, findUser, isStoreActivated, transact, type World } from "./World.js"

// .NET's round-trip format, 7 fractional digits and an offset, as MobilePay sends it.
const dotNetDateTime = (millis: number): string =>
  new Date(millis).toISOString().replace("Z", "0000+00:00")

const paymentView = (world: World, payment: Payment) => {
  const user = payment.user === undefined ? undefined : findUser(world, payment.user)
  return {
    paymentId: payment.paymentId,
    posId: payment.posId,
    orderId: payment.orderId,
    amount: payment.amount ?? null,
    currencyCode: payment.currencyCode ?? null,
    restrictions: payment.restrictions ?? null,
    merchantPaymentLabel: payment.merchantPaymentLabel ?? null,
    plannedCaptureDelay: payment.plannedCaptureDelay ?? null,
    status: payment.status,
    ...(user === undefined
      ? {}
      : { ...customerTokens(user.phoneNumber), loyaltyIds: user.loyaltyIds }),
    ...(payment.status === "Reserved" && payment.reservedAt !== undefined
      ? {
          paymentExpiresAt: dotNetDateTime(payment.reservedAt + reservationLifetime),
          partialCapturePossible: user?.partialCapturePossible ?? false,
        }
      : {}),
    pollDelayInMs: world.pollDelayInMs,
  }
}

/** The point of sale a new payment goes on, after the checks every start of a payment makes. */
const posForNewPayment = (
  world: World,
  state: State,
  caller: Caller,
  posId: string,
): Either.Either<PointOfSale, ApiError> => {
  const pos = livePos(state, posId.toLowerCase())
  if (pos === undefined) return Either.left(conflict("1000", "Point of Sale not found"))
  if (pos.integratorId !== caller.integratorId || pos.merchantVat !== caller.merchantVat) {
    return Either.left(
      forbidden(
        "1400",
        "Cannot initiate payments on a point of sale created by a different integrator",
      ),
    )
  }
  const found = findStore(world, pos.storeId)
  if (found === undefined || !isStoreActivated(state, found.store)) {
    return Either.left(
      conflict(
        "1204",
        "The store for the given point of sale is not activated. Please activate the store before starting a payment",
      ),
    )
  }
  if (activePaymentOn(state, pos.posId) !== undefined) {
    return Either.left(
      conflict("1301", "A payment is already active. Cancel it before starting a new one"),
    )
  }
  return Either.right(pos)
}

const startPayment = (
  world: World,
  caller: Caller,
  state: State,
  now: number,
  posId: string,
  fields: Pick<
    Payment,
    | "orderId"
    | "amount"
    | "currencyCode"
    | "restrictions"
    | "merchantPaymentLabel"
    | "plannedCaptureDelay"
  >,
  prepared: boolean,
): Step<{ readonly paymentId: string }> =>
  Either.map(posForNewPayment(world, state, caller, posId), (pos) => {
    const [paymentId, next] = nextId(world.seed, state)
    // A user already checked in gets the payment at once.
    const status = prepared
      ? pos.checkedIn === undefined
        ? "Prepared"
        : "Paired"
      : pos.checkedIn === undefined
        ? "Initiated"
        : "IssuedToUser"
    const payment: Payment = {
      ...fields,
      paymentId,
      posId: pos.posId,
      status,
      integratorId: caller.integratorId,
      merchantVat: caller.merchantVat,
      createdAt: now,
      user: pos.checkedIn,
      reservedAt: undefined,
      capturedAmount: undefined,
      capturedAt: undefined,
    }
    return [{ paymentId }, withPayment(next, payment)] as const
  })

const initiatePayment = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const body = yield* jsonBody(InitiatePaymentBody)
    const created = yield* idempotent(world, caller, "InitiatePayment", body, (state, now) =>
      startPayment(
        world,
        caller,
        state,
        now,
        body.posId,
        {
          orderId: body.orderId,
          amount: body.amount,
          currencyCode: body.currencyCode,
          restrictions: body.restrictions,
          merchantPaymentLabel: body.merchantPaymentLabel,
          plannedCaptureDelay: body.plannedCaptureDelay,
        },
        false,
      ),
    )
    return respondJson(created)
  })

const preparePayment = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const body = yield* jsonBody(PreparePaymentBody)
    const created = yield* idempotent(world, caller, "PreparePayment", body, (state, now) =>
      startPayment(
        world,
        caller,
        state,
        now,
        body.posId,
        {
          orderId: body.orderId,
          amount: undefined,
          currencyCode: undefined,
          restrictions: undefined,
          merchantPaymentLabel: undefined,
          plannedCaptureDelay: undefined,
        },
        true,
      ),
    )
    return respondJson(created)
  })

/** A payment step: finds the payment, checks its owner, then applies `step`. */
const onPayment = <A>(
  world: World,
  caller: Caller,
  paymentId: string,
  merchantCode: string,
  step: (payment: Payment, state: State, now: number) => Step<A>,
) =>
  transact(world, (state, now): Step<A> => {
    const payment = paymentOf(state, paymentId)
    if (payment === undefined) return Either.left(new NotFound({ what: "payment" }))
    const refused = checkOwner(payment, caller, "1401", merchantCode, "payments")
    return refused === undefined ? step(payment, state, now) : Either.left(refused)
  })

const paymentReady = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const paymentId = yield* pathId("paymentId")
    const body = yield* jsonBody(PaymentReadyBody)
    yield* onPayment(world, caller, paymentId, "1406", (payment, state) => {
      if (payment.status !== "Prepared" && payment.status !== "Paired") {
        return Either.left(
          conflict("1303", "Payment needs to be prepared before it can be marked as ready"),
        )
      }
      const ready: Payment = {
        ...payment,
        amount: body.amount,
        currencyCode: body.currencyCode,
        restrictions: body.restrictions,
        merchantPaymentLabel: body.merchantPaymentLabel,
        plannedCaptureDelay: body.plannedCaptureDelay,
        status: payment.status === "Paired" ? "IssuedToUser" : "Initiated",
      }
      return Either.right([undefined, withPayment(state, ready)] as const)
    })
    return ok
  })

const queryPayment = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const paymentId = yield* pathId("paymentId")
    const payment = yield* onPayment(world, caller, paymentId, "1411", (payment, state) =>
      Either.right([payment, state] as const),
    )
    return respondJson(paymentView(world, payment))
  })

const queryPaymentIds = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const { query } = yield* Incoming
    const { posId, orderId, state: wanted } = query
    if (posId !== undefined && !isGuid(posId)) {
      return yield* badRequest("1099", "posId must be a GUID")
    }
    if (orderId !== undefined && !isValidText(orderId)) {
      return yield* badRequest("1113", "Invalid OrderId")
    }
    if (wanted !== undefined && wanted !== "Captured") {
      return yield* badRequest("1099", "state can only be Captured")
    }
    if (posId === undefined && orderId === undefined) {
      return yield* badRequest("1109", "Payment filter not specific enough")
    }
    const state = yield* transact(world, (s) => Either.right([s, s] as const))
    const candidates =
      posId !== undefined
        ? paymentsOnPos(state, posId.toLowerCase())
        : paymentsWithOrderId(state, orderId ?? "")
    const paymentIds = candidates
      .filter(
        (payment) =>
          payment.integratorId === caller.integratorId &&
          payment.merchantVat === caller.merchantVat &&
          (posId === undefined || payment.posId === posId.toLowerCase()) &&
          (orderId === undefined || payment.orderId === orderId) &&
          (wanted === "Captured"
            ? payment.status === "Captured"
            : payment.status === "Reserved" ||
              ["Prepared", "Initiated", "Paired", "IssuedToUser"].includes(payment.status)),
      )
      .map((payment) => payment.paymentId)
    return respondJson({ paymentIds })
  })

const capturePayment = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const paymentId = yield* pathId("paymentId")
    const body = yield* jsonBody(CaptureBody)
    yield* onPayment(world, caller, paymentId, "1407", (payment, state, now): Step<void> => {
      const wanted = toCents(body.amount)
      if (payment.status === "Captured") {
        return wanted === toCents(payment.capturedAmount ?? 0)
          ? Either.right([undefined, state] as const)
          : Either.left(
              conflict("1307", "Payment has already been captured with a different amount"),
            )
      }
      if (payment.status !== "Reserved") {
        return Either.left(conflict("1304", "Cannot capture payment when payment is not reserved"))
      }
      const reserved = toCents(payment.amount ?? 0)
      if (wanted > reserved) {
        return Either.left(conflict("1305", "Capture Amount cannot exceed the reserved amount"))
      }
      const user = payment.user === undefined ? undefined : findUser(world, payment.user)
      if (wanted < reserved && user?.partialCapturePossible !== true) {
        return Either.left(conflict("1308", "Partial capture not possible on this payment"))
      }
      return Either.right([
        undefined,
        withPayment(state, {
          ...payment,
          status: "Captured",
          capturedAmount: body.amount,
          capturedAt: now,
        }),
      ] as const)
    })
    return ok
  })

const cancelPayment = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const paymentId = yield* pathId("paymentId")
    yield* onPayment(world, caller, paymentId, "1408", (payment, state): Step<void> => {
      switch (payment.status) {
        case "Prepared":
        case "Initiated":
        case "Paired":
        case "IssuedToUser":
        case "Reserved":
          return Either.right([
            undefined,
            withPayment(state, { ...payment, status: "CancelledByClient" }),
          ] as const)
        case "Captured":
          return Either.left(
            conflict("1300", "The payment cannot be cancelled in the current state"),
          )
        default:
          // Already cancelled or expired: nothing left to do, so a repeat is a success.
          return Either.right([undefined, state] as const)
      }
    })
    return ok
  })

/** The payment operations: method, path (router syntax), handler, refund-shaped errors. */
export const paymentOperations = (world: World) =>
  [
    ["POST", "/payments", initiatePayment(world), false],
    ["POST", "/payments/prepare", preparePayment(world), false],
    ["POST", "/payments/:paymentId/ready", paymentReady(world), false],
    ["GET", "/payments/:paymentId", queryPayment(world), false],
    ["GET", "/payments", queryPaymentIds(world), false],
    ["POST", "/payments/:paymentId/capture", capturePayment(world), false],
    ["POST", "/payments/:paymentId/cancel", cancelPayment(world), false],
  ] as const
