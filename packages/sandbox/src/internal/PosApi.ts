/**
 * The 18 PoS V10 operations. Each handler authorizes the caller, validates its input with the
 * documented codes, then runs one atomic step on the state (`transact`) that checks ownership
 * and the state machine of pos-v10 §5 and either refuses or changes the state.
 */
import { HttpRouter } from "@effect/platform"
import { Effect, Either } from "effect"
import { createHash } from "node:crypto"
import type { Store } from "../SeedData.js"
import { authorize, type Caller } from "./Auth.js"
import type { ApiError } from "./Http.js"
import {
  badRequest,
  conflict,
  forbidden,
  header,
  Incoming,
  jsonBody,
  NotFound,
  ok,
  respondJson,
} from "./Http.js"
import {
  CaptureBody,
  CreatePosBody,
  CreateRefundBody,
  InitiatePaymentBody,
  isBeaconId,
  isGuid,
  isMerchantBrandId,
  isMerchantLocationId,
  isValidText,
  PaymentReadyBody,
  PreparePaymentBody,
  toCents,
} from "./Input.js"
import {
  activePaymentOn,
  deterministicGuid,
  nextId,
  refundPeriod,
  reservationLifetime,
  withPayment,
  withPointOfSale,
  withRefund,
  type Owner,
  type Payment,
  type PointOfSale,
  type Refund,
  type State,
} from "./State.js"
import { findStore, findUser, isStoreActivated, transact, type World } from "./World.js"

type Step<A> = Either.Either<readonly [A, State], ApiError | NotFound>

const pathId = (name: string) =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const value = params[name] ?? ""
    return isGuid(value)
      ? Effect.succeed(value.toLowerCase())
      : Effect.fail(badRequest("1099", `${name} must be a GUID`))
  })

/** 403 when another integrator, or the same integrator for another merchant, owns it. */
const checkOwner = (
  resource: Owner,
  caller: Caller,
  integratorCode: string,
  merchantCode: string,
  what: string,
): ApiError | undefined =>
  resource.integratorId !== caller.integratorId
    ? forbidden(integratorCode, `Cannot access ${what} created by a different integrator`)
    : resource.merchantVat !== caller.merchantVat
      ? forbidden(merchantCode, `Cannot access ${what} created on behalf of a different merchant`)
      : undefined

/**
 * A create call under an idempotency key: a retry with the same key and request gets the
 * first answer, the same key with another request 409 1306. Keys are kept 24 h (`settle`).
 */
const idempotent = <A>(
  world: World,
  caller: Caller,
  operation: string,
  request: unknown,
  create: (state: State, now: number) => Step<A>,
) =>
  Effect.gen(function* () {
    const incoming = yield* Incoming
    const key = header(incoming, "x-mobilepay-idempotency-key")
    if (key._tag === "Missing") {
      return yield* badRequest("1164", "Missing x-mobilepay-idempotency-key header")
    }
    if (key._tag === "Duplicated") {
      return yield* badRequest("1163", "Duplicated x-mobilepay-idempotency-key header")
    }
    if (!isValidText(key.value)) {
      return yield* badRequest("1162", "Invalid x-mobilepay-idempotency-key header")
    }
    const storeKey = `${caller.integratorId}|${caller.merchantVat}|${key.value}`
    const fingerprint = JSON.stringify([operation, request])
    return yield* transact(
      world,
      (state, now): Either.Either<readonly [unknown, State], ApiError | NotFound> => {
        const previous = state.idempotency.get(storeKey)
        if (previous !== undefined) {
          return previous.fingerprint === fingerprint
            ? Either.right([previous.body, state] as const)
            : Either.left(
                conflict(
                  "1306",
                  "x-mobilepay-idempotency-key header has to be unique per request unless the request is a retry of a previous request",
                ),
              )
        }
        return Either.map(create(state, now), ([body, next]) => [
          body,
          {
            ...next,
            idempotency: new Map(next.idempotency).set(storeKey, { fingerprint, body, at: now }),
          },
        ])
      },
    )
  })

// ---------------------------------------------------------------------------------------
// Points of sale

const posView = (pos: PointOfSale) => ({
  posId: pos.posId,
  merchantPosId: pos.merchantPosId,
  storeId: pos.storeId,
  name: pos.name,
  beaconId: pos.beaconId,
  callbackAlias: pos.callbackAlias,
  supportedBeaconTypes: pos.supportedBeaconTypes,
  requirePaymentBeforeCheckin: pos.requirePaymentBeforeCheckin,
})

const livePos = (state: State, posId: string): PointOfSale | undefined => {
  const pos = state.pointsOfSale.get(posId)
  return pos === undefined || pos.deleted ? undefined : pos
}

const createPos = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const body = yield* jsonBody(CreatePosBody)
    const created = yield* idempotent(world, caller, "CreatePos", body, (state, now) => {
      const found = findStore(world, body.storeId)
      if (found === undefined) return Either.left(conflict("1002", "Store not found"))
      if (found.merchant.vat !== caller.merchantVat) {
        return Either.left(
          forbidden(
            "1403",
            "Cannot create point of sale on store that does not belong to the merchant",
          ),
        )
      }
      if (!isStoreActivated(state, found.store)) {
        return Either.left(conflict("1204", "The store is not activated"))
      }
      const live = [...state.pointsOfSale.values()].filter((pos) => !pos.deleted)
      if (
        live.some(
          (pos) =>
            pos.merchantPosId === body.merchantPosId &&
            pos.integratorId === caller.integratorId &&
            pos.merchantVat === caller.merchantVat,
        )
      ) {
        return Either.left(
          conflict("1200", "A point of sale with that MerchantPosId already exist"),
        )
      }
      const wantedBeacon = body.beaconId ?? undefined
      if (
        wantedBeacon !== undefined &&
        live.some((pos) => pos.beaconId.toLowerCase() === wantedBeacon.toLowerCase())
      ) {
        return Either.left(conflict("1202", "A point of sale with that BeaconId already exist"))
      }
      const [posId, afterId] = nextId(world.seed, state)
      const [generatedBeacon, afterBeacon] = nextId(world.seed, afterId)
      const pos: PointOfSale = {
        posId,
        merchantPosId: body.merchantPosId,
        storeId: found.store.storeId,
        name: body.name,
        beaconId: wantedBeacon ?? generatedBeacon,
        callbackAlias: body.callbackAlias ?? null,
        supportedBeaconTypes: [...new Set(body.supportedBeaconTypes)],
        requirePaymentBeforeCheckin: body.requirePaymentBeforeCheckin ?? false,
        integratorId: caller.integratorId,
        merchantVat: caller.merchantVat,
        createdAt: now,
        deleted: false,
        checkedIn: undefined,
      }
      return Either.right([{ posId }, withPointOfSale(afterBeacon, pos)] as const)
    })
    return respondJson(created)
  })

const getPosWithFilter = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const { query } = yield* Incoming
    const { storeId, beaconId, merchantPosId } = query
    if (storeId === undefined && beaconId === undefined && merchantPosId === undefined) {
      return yield* badRequest("1121", "Point of sale filter not specific enough")
    }
    if (storeId !== undefined && !isGuid(storeId)) {
      return yield* badRequest("1099", "storeId must be a GUID")
    }
    if (beaconId !== undefined && !isBeaconId(beaconId)) {
      return yield* badRequest("1100", "Invalid BeaconId")
    }
    if (merchantPosId !== undefined && !isValidText(merchantPosId)) {
      return yield* badRequest("1111", "Invalid MerchantPosId")
    }
    const state = yield* transact(world, (s) => Either.right([s, s] as const))
    const posIds = [...state.pointsOfSale.values()]
      .filter(
        (pos) =>
          !pos.deleted &&
          pos.integratorId === caller.integratorId &&
          pos.merchantVat === caller.merchantVat &&
          (storeId === undefined || pos.storeId === storeId.toLowerCase()) &&
          (beaconId === undefined || pos.beaconId.toLowerCase() === beaconId.toLowerCase()) &&
          (merchantPosId === undefined || pos.merchantPosId === merchantPosId),
      )
      .map((pos) => pos.posId)
    return respondJson({ posIds })
  })

const getPos = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const posId = yield* pathId("posId")
    const pos = yield* transact(world, (state): Step<PointOfSale> => {
      const pos = livePos(state, posId)
      if (pos === undefined) return Either.left(new NotFound({ what: "point of sale" }))
      const refused = checkOwner(pos, caller, "1400", "1410", "point of sales")
      return refused === undefined ? Either.right([pos, state] as const) : Either.left(refused)
    })
    return respondJson(posView(pos))
  })

const deletePos = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const posId = yield* pathId("posId")
    yield* transact(world, (state): Step<void> => {
      const pos = livePos(state, posId)
      if (pos === undefined) return Either.left(new NotFound({ what: "point of sale" }))
      const refused = checkOwner(pos, caller, "1400", "1409", "point of sales")
      if (refused !== undefined) return Either.left(refused)
      // Reserved payments stay capturable; a payment still waiting for a user cannot finish.
      const active = activePaymentOn(state, posId)
      const next = withPointOfSale(state, { ...pos, deleted: true, checkedIn: undefined })
      return Either.right([
        undefined,
        active === undefined
          ? next
          : withPayment(next, { ...active, status: "CancelledByMobilePay" }),
      ] as const)
    })
    return ok
  })

const customerTokens = (phoneNumber: string) => ({
  customerToken: createHash("sha1").update(`customer:${phoneNumber}`).digest("hex"),
  customerReceiptToken: createHash("sha256")
    .update(`receipt:${phoneNumber}`)
    .digest("hex")
    .slice(0, 32),
})

const getCheckIn = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const posId = yield* pathId("posId")
    const pos = yield* transact(world, (state): Step<PointOfSale> => {
      const pos = livePos(state, posId)
      if (pos === undefined) return Either.left(new NotFound({ what: "point of sale" }))
      const refused = checkOwner(pos, caller, "1400", "1400", "point of sales")
      return refused === undefined ? Either.right([pos, state] as const) : Either.left(refused)
    })
    const user = pos.checkedIn === undefined ? undefined : findUser(world, pos.checkedIn)
    return respondJson(
      user === undefined
        ? { isUserCheckedIn: false, pollDelayInMs: world.pollDelayInMs }
        : {
            isUserCheckedIn: true,
            loyaltyIds: user.loyaltyIds,
            ...customerTokens(user.phoneNumber),
            pollDelayInMs: world.pollDelayInMs,
          },
    )
  })

// ---------------------------------------------------------------------------------------
// Stores

const storeView = (store: Store) => ({
  storeId: store.storeId,
  storeName: store.storeName,
  storeStreet: store.storeStreet,
  storeZipCode: store.storeZipCode,
  storeCity: store.storeCity,
  brandName: store.brandName,
  merchantBrandId: store.merchantBrandId,
  merchantLocationId: store.merchantLocationId,
})

const storesOfCaller = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const { query } = yield* Incoming
    const { merchantBrandId, merchantLocationId } = query
    if (merchantBrandId !== undefined && !isMerchantBrandId(merchantBrandId)) {
      return yield* badRequest("1119", "Invalid MerchantBrandId")
    }
    if (merchantLocationId !== undefined && !isMerchantLocationId(merchantLocationId)) {
      return yield* badRequest("1120", "Invalid MerchantLocationId")
    }
    // A location id is only unique within a brand.
    if (merchantLocationId !== undefined && merchantBrandId === undefined) {
      return yield* badRequest("1122", "Store filter not specific enough")
    }
    return world.merchants
      .filter((merchant) => merchant.vat === caller.merchantVat)
      .flatMap((merchant) => merchant.stores)
      .filter(
        (store) =>
          (merchantBrandId === undefined || store.merchantBrandId === merchantBrandId) &&
          (merchantLocationId === undefined || store.merchantLocationId === merchantLocationId),
      )
  })

const getStores = (world: World) =>
  Effect.map(storesOfCaller(world), (stores) =>
    respondJson({ storeIds: stores.map((store) => store.storeId) }),
  )

const getDetailedStores = (world: World) =>
  Effect.map(storesOfCaller(world), (stores) => respondJson(stores.map(storeView)))

const getStore = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const storeId = yield* pathId("storeId")
    const found = findStore(world, storeId)
    // Another merchant's store is as good as unknown to this caller.
    if (found === undefined || found.merchant.vat !== caller.merchantVat) {
      return yield* new NotFound({ what: "store" })
    }
    return respondJson(storeView(found.store))
  })

// ---------------------------------------------------------------------------------------
// Payments

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
    const payment = state.payments.get(paymentId)
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
    const paymentIds = [...state.payments.values()]
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

// ---------------------------------------------------------------------------------------
// Refunds

const refundView = (world: World, refund: Refund) => ({
  refundId: refund.refundId,
  paymentId: refund.paymentId,
  refundOrderId: refund.refundOrderId,
  amount: refund.amount,
  currencyCode: refund.currencyCode,
  status: refund.status,
  pollDelayInMs: world.pollDelayInMs,
})

const refundsOf = (state: State, paymentId: string): ReadonlyArray<Refund> =>
  [...state.refunds.values()].filter((refund) => refund.paymentId === paymentId)

const createRefund = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorize(world)
    const body = yield* jsonBody(CreateRefundBody)
    const created = yield* idempotent(world, caller, "CreateRefund", body, (state, now) => {
      const payment = state.payments.get(body.paymentId.toLowerCase())
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
      const refunded = refundsOf(state, payment.paymentId)
        .filter(
          (refund) =>
            refund.status !== "CancelledByClient" && refund.status !== "CancelledByMobilePay",
        )
        .reduce((sum, refund) => sum + toCents(refund.amount), 0)
      if (refunded + toCents(body.amount) > toCents(payment.capturedAmount ?? 0)) {
        return Either.left(conflict("1367", "Refund Amount is too high"))
      }
      const storeId = state.pointsOfSale.get(payment.posId)?.storeId
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
    const refundIds = refundsOf(state, paymentId.toLowerCase())
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
    const refund = state.refunds.get(refundId)
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

export const posBasePath = "/pos/v10"
/** MobilePay's sandbox also serves PoS V10 for self-certification under this path. */
export const selfCertificationPosBasePath = "/pos-self-certification-api/pos/v10"

/** Every PoS V10 operation: method, path (router syntax), handler, and whether it is a refund one. */
export const posOperations = (world: World) =>
  [
    ["POST", "/pointofsales", createPos(world), false],
    ["GET", "/pointofsales", getPosWithFilter(world), false],
    ["GET", "/pointofsales/:posId", getPos(world), false],
    ["DELETE", "/pointofsales/:posId", deletePos(world), false],
    ["GET", "/pointofsales/:posId/checkin", getCheckIn(world), false],
    ["GET", "/stores", getStores(world), false],
    ["GET", "/stores/detailed", getDetailedStores(world), false],
    ["GET", "/stores/:storeId", getStore(world), false],
    ["POST", "/payments", initiatePayment(world), false],
    ["POST", "/payments/prepare", preparePayment(world), false],
    ["POST", "/payments/:paymentId/ready", paymentReady(world), false],
    ["GET", "/payments/:paymentId", queryPayment(world), false],
    ["GET", "/payments", queryPaymentIds(world), false],
    ["POST", "/payments/:paymentId/capture", capturePayment(world), false],
    ["POST", "/payments/:paymentId/cancel", cancelPayment(world), false],
    ["POST", "/refunds", createRefund(world), true],
    ["GET", "/refunds", queryRefundIds(world), true],
    ["GET", "/refunds/:refundId", getRefund(world), true],
    ["POST", "/refunds/:refundId/capture", captureRefund(world), true],
    ["POST", "/refunds/:refundId/cancel", cancelRefund(world), true],
  ] as const

export { customerTokens, deterministicGuid, paymentView, refundView, posView }
