/**
 * The sandbox's whole mutable world as one immutable value, changed only through
 * `Ref.modify`, so a check and the change it guards (e.g. "no active payment" then "create
 * one") are atomic even when a client retries concurrently.
 */
import { Chunk, HashMap, Option, Order, SortedSet } from "effect"
import { createHash } from "node:crypto"
import { emptyPlatform, expireEPayment, type PlatformState } from "./Platform.js"

export type PaymentStatus =
  | "Prepared"
  | "Initiated"
  | "Paired"
  | "IssuedToUser"
  | "Reserved"
  | "Captured"
  | "CancelledByUser"
  | "CancelledByClient"
  | "CancelledByMobilePay"
  | "ExpiredAndCancelled"

export type RefundStatus =
  | "Initiated"
  | "Reserved"
  | "Captured"
  | "CancelledByClient"
  | "CancelledByMobilePay"
  | "ExpiredAndCaptured"

export type BeaconType = "QR" | "NFC" | "Bluetooth"
export type CurrencyCode = "DKK" | "EUR"
export type PlannedCaptureDelay = "None" | "LessThan24Hours" | "LessThan14Days"

export interface Restrictions {
  readonly debitCardDisallowed?: boolean | null | undefined
  readonly creditCardDisallowed?: boolean | null | undefined
}

/** Who made a resource: answers 403 to everyone else. */
export interface Owner {
  readonly integratorId: string
  readonly merchantVat: string
}

export interface PointOfSale extends Owner {
  readonly posId: string
  readonly merchantPosId: string
  readonly storeId: string
  readonly name: string
  readonly beaconId: string
  readonly callbackAlias: string | null
  readonly supportedBeaconTypes: ReadonlyArray<BeaconType>
  readonly requirePaymentBeforeCheckin: boolean
  readonly createdAt: number
  readonly deleted: boolean
  /** The phone number of the user checked in here, if any. */
  readonly checkedIn: string | undefined
}

export interface Payment extends Owner {
  readonly paymentId: string
  readonly posId: string
  readonly orderId: string
  readonly amount: number | undefined
  readonly currencyCode: CurrencyCode | undefined
  readonly restrictions: Restrictions | null | undefined
  readonly merchantPaymentLabel: string | null | undefined
  readonly plannedCaptureDelay: PlannedCaptureDelay | undefined
  readonly status: PaymentStatus
  readonly createdAt: number
  /** The user the payment was paired with or issued to. */
  readonly user: string | undefined
  readonly reservedAt: number | undefined
  readonly capturedAmount: number | undefined
  readonly capturedAt: number | undefined
}

export interface Refund extends Owner {
  readonly refundId: string
  readonly paymentId: string
  readonly refundOrderId: string
  readonly amount: number
  readonly currencyCode: CurrencyCode
  readonly status: RefundStatus
  readonly createdAt: number
}

/** A stored answer to a create call, replayed for a retry with the same key. */
export interface IdempotentAnswer {
  readonly fingerprint: string
  readonly body: unknown
  readonly at: number
  /** The HTTP status replayed (ePayment keys also replay refusals); PoS V10 answers are 200. */
  readonly status?: number
}

export interface IssuedToken {
  /** The integrator client or, for the Vipps MobilePay platform, the sales unit's client id. */
  readonly clientId: string
  readonly revoked: boolean
  /** `Clock` milliseconds after which the token is expired (and may be forgotten). */
  readonly expiresAt: number
}

/**
 * Every collection is an effect `HashMap` (a persistent map: a change shares all but a path
 * with the previous state, where a `Map` copy cost O(n) per request), and every lookup a
 * request makes has an index, so no request scans every payment or token.
 */
export interface State {
  /** Feeds the deterministic ids: one step per id handed out. */
  readonly counter: number
  /**
   * The first `pspReference` number of this run, derived from the seed, so that runs with
   * different seeds (every run without one) do not hand out each other's references.
   */
  readonly pspReferenceBase: number
  readonly pointsOfSale: HashMap.HashMap<string, PointOfSale>
  readonly payments: HashMap.HashMap<string, Payment>
  readonly refunds: HashMap.HashMap<string, Refund>
  readonly idempotency: HashMap.HashMap<string, IdempotentAnswer>
  readonly tokens: HashMap.HashMap<string, IssuedToken>
  /** Runtime overrides of the seeded stores' activation. */
  readonly storeActivation: ReadonlyMap<string, boolean>
  /** Store balances (for 1368); a store without one has unlimited balance. */
  readonly storeBalance: ReadonlyMap<string, number>
  /** Ids in creation order (the maps do not keep one). */
  readonly order: {
    readonly pointsOfSale: Chunk.Chunk<string>
    readonly payments: Chunk.Chunk<string>
    readonly refunds: Chunk.Chunk<string>
  }
  readonly index: {
    /** The one active payment of a point of sale (1301 allows no second). */
    readonly activePaymentByPos: HashMap.HashMap<string, string>
    readonly paymentsByPos: HashMap.HashMap<string, Chunk.Chunk<string>>
    readonly paymentsByOrderId: HashMap.HashMap<string, Chunk.Chunk<string>>
    readonly refundsByPayment: HashMap.HashMap<string, Chunk.Chunk<string>>
    readonly pointsOfSaleByStore: HashMap.HashMap<string, Chunk.Chunk<string>>
    /** Live points of sale by lower-cased beacon id. */
    readonly livePosByBeacon: HashMap.HashMap<string, string>
    /** Live points of sale by `integrator|merchant|merchantPosId`. */
    readonly livePosByMerchantPosId: HashMap.HashMap<string, string>
  }
  /** What time alone will change, soonest first: `settle` visits only what is due. */
  readonly deadlines: SortedSet.SortedSet<Deadline>
  /** The Vipps MobilePay platform: ePayment, webhooks, callback QRs. */
  readonly platform: PlatformState
}

/**
 * When something expires: a reservation, a refund's auto-capture, an idempotency key, a token,
 * an ePayment payment nobody acted on.
 */
export type Deadline = readonly [
  at: number,
  kind: "payment" | "refund" | "idempotency" | "token" | "epayment",
  id: string,
]

const deadlineOrder: Order.Order<Deadline> = Order.tuple(Order.number, Order.string, Order.string)

export const emptyState: State = {
  counter: 0,
  pspReferenceBase: 1_300_000_000,
  pointsOfSale: HashMap.empty(),
  payments: HashMap.empty(),
  refunds: HashMap.empty(),
  idempotency: HashMap.empty(),
  tokens: HashMap.empty(),
  storeActivation: new Map(),
  storeBalance: new Map(),
  order: { pointsOfSale: Chunk.empty(), payments: Chunk.empty(), refunds: Chunk.empty() },
  index: {
    activePaymentByPos: HashMap.empty(),
    paymentsByPos: HashMap.empty(),
    paymentsByOrderId: HashMap.empty(),
    refundsByPayment: HashMap.empty(),
    pointsOfSaleByStore: HashMap.empty(),
    livePosByBeacon: HashMap.empty(),
    livePosByMerchantPosId: HashMap.empty(),
  },
  deadlines: SortedSet.empty(deadlineOrder),
  platform: emptyPlatform,
}

export const DAY = 24 * 60 * 60 * 1000
export const reservationLifetime = 7 * DAY
export const refundAutoCaptureAfter = DAY
export const idempotencyRetention = DAY
export const refundPeriod = 90 * DAY

export const activePaymentStatuses: ReadonlySet<PaymentStatus> = new Set([
  "Prepared",
  "Initiated",
  "Paired",
  "IssuedToUser",
])

/** A version 4 shaped GUID derived from the seed and a counter: same seed, same ids. */
export const deterministicGuid = (seed: string, n: number): string => {
  const hex = createHash("sha256").update(`${seed}:id:${n}`).digest("hex")
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** A number in [0, 1) derived from the seed and a counter. */
export const deterministicUniform = (seed: string, stream: string, n: number): number =>
  createHash("sha256").update(`${seed}:${stream}:${n}`).digest().readUInt32BE(0) / 2 ** 32

/** Hands out the next id and advances the counter. */
export const nextId = (seed: string, state: State): readonly [string, State] => [
  deterministicGuid(seed, state.counter),
  { ...state, counter: state.counter + 1 },
]

const appendTo = (
  index: HashMap.HashMap<string, Chunk.Chunk<string>>,
  key: string,
  id: string,
): HashMap.HashMap<string, Chunk.Chunk<string>> =>
  HashMap.modifyAt(index, key, (ids) =>
    Option.some(Chunk.append(Option.getOrElse(ids, Chunk.empty<string>), id)),
  )

const idsIn = (index: HashMap.HashMap<string, Chunk.Chunk<string>>, key: string) =>
  Chunk.toReadonlyArray(Option.getOrElse(HashMap.get(index, key), Chunk.empty<string>))

const pick = <A>(map: HashMap.HashMap<string, A>, ids: ReadonlyArray<string>): ReadonlyArray<A> =>
  ids.flatMap((id) => Option.toArray(HashMap.get(map, id)))

const deadlineOf = {
  payment: (payment: Payment): number =>
    payment.status === "Reserved" && payment.reservedAt !== undefined
      ? payment.reservedAt + reservationLifetime
      : Number.POSITIVE_INFINITY,
  refund: (refund: Refund): number =>
    refund.status === "Reserved"
      ? refund.createdAt + refundAutoCaptureAfter
      : Number.POSITIVE_INFINITY,
}

const withDeadline = (state: State, deadline: Deadline): State =>
  Number.isFinite(deadline[0])
    ? { ...state, deadlines: SortedSet.add(state.deadlines, deadline) }
    : state

// Applies one due deadline, if what it was set for still holds (a captured payment's
// reservation no longer expires).
const expire = (state: State, [, kind, id]: Deadline, now: number): State => {
  switch (kind) {
    case "payment": {
      const payment = paymentOf(state, id)
      return payment !== undefined && deadlineOf.payment(payment) <= now
        ? withPayment(state, { ...payment, status: "ExpiredAndCancelled" })
        : state
    }
    case "refund": {
      const refund = refundOf(state, id)
      return refund !== undefined && deadlineOf.refund(refund) <= now
        ? withRefund(state, { ...refund, status: "ExpiredAndCaptured" })
        : state
    }
    case "idempotency":
      return { ...state, idempotency: HashMap.remove(state.idempotency, id) }
    case "token":
      return { ...state, tokens: HashMap.remove(state.tokens, id) }
    case "epayment":
      return {
        ...state,
        counter: state.counter + 1,
        platform: expireEPayment(state.platform, id, now, pspReferenceOf(state, state.counter)),
      }
  }
}

/** A platform `pspReference`: numeric, as many of the real ones are, unique per sandbox. */
export const pspReferenceOf = (state: State, n: number): string =>
  String(state.pspReferenceBase + n)

/**
 * The state a sandbox with `seed` starts from: its `pspReference`s start somewhere in
 * 10^12 .. 9·10^12 (13 digits, far below 2^53), so two seeds' ranges overlap only if a run hands
 * out billions of them.
 */
export const initialState = (seed: string): State => ({
  ...emptyState,
  pspReferenceBase:
    1_000_000_000_000 + Math.floor(deterministicUniform(seed, "psp-reference", 0) * 8e12),
})

/** Sets when an ePayment payment nobody acts on expires. */
export const withEPaymentDeadline = (state: State, at: number, key: string): State =>
  withDeadline(state, [at, "epayment", key])

/**
 * Applies what time alone does: reservations older than 7 days expire, reserved refunds
 * older than 24 h are captured, idempotency keys older than 24 h and expired tokens are
 * forgotten. Computed on access instead of by timers, so `TestClock.adjust` is all a test
 * needs; only the deadlines that are due are visited.
 */
export const settle = (state: State, now: number): State => {
  const due: Array<Deadline> = []
  for (const deadline of SortedSet.values(state.deadlines)) {
    if (deadline[0] > now) break
    due.push(deadline)
  }
  let next = state
  for (const deadline of due) {
    next = expire({ ...next, deadlines: SortedSet.remove(next.deadlines, deadline) }, deadline, now)
  }
  return next
}

/** Records an issued token. */
export const withToken = (state: State, jti: string, token: IssuedToken): State =>
  withDeadline({ ...state, tokens: HashMap.set(state.tokens, jti, token) }, [
    token.expiresAt,
    "token",
    jti,
  ])

/** Records the answer to a create call under its idempotency key. */
export const withIdempotentAnswer = (state: State, key: string, answer: IdempotentAnswer): State =>
  withDeadline({ ...state, idempotency: HashMap.set(state.idempotency, key, answer) }, [
    answer.at + idempotencyRetention,
    "idempotency",
    key,
  ])

export const withPointOfSale = (state: State, pos: PointOfSale): State => {
  const previous = HashMap.get(state.pointsOfSale, pos.posId)
  const merchantPosKey = `${pos.integratorId}|${pos.merchantVat}|${pos.merchantPosId}`
  const beaconKey = pos.beaconId.toLowerCase()
  const index = state.index
  return {
    ...state,
    pointsOfSale: HashMap.set(state.pointsOfSale, pos.posId, pos),
    order: Option.isSome(previous)
      ? state.order
      : { ...state.order, pointsOfSale: Chunk.append(state.order.pointsOfSale, pos.posId) },
    index: {
      ...index,
      pointsOfSaleByStore: Option.isSome(previous)
        ? index.pointsOfSaleByStore
        : appendTo(index.pointsOfSaleByStore, pos.storeId, pos.posId),
      livePosByBeacon: pos.deleted
        ? HashMap.remove(index.livePosByBeacon, beaconKey)
        : HashMap.set(index.livePosByBeacon, beaconKey, pos.posId),
      livePosByMerchantPosId: pos.deleted
        ? HashMap.remove(index.livePosByMerchantPosId, merchantPosKey)
        : HashMap.set(index.livePosByMerchantPosId, merchantPosKey, pos.posId),
    },
  }
}

export const withPayment = (state: State, payment: Payment): State => {
  const isNew = !HashMap.has(state.payments, payment.paymentId)
  const index = state.index
  const activeHere = HashMap.get(index.activePaymentByPos, payment.posId)
  const activePaymentByPos = activePaymentStatuses.has(payment.status)
    ? HashMap.set(index.activePaymentByPos, payment.posId, payment.paymentId)
    : Option.contains(activeHere, payment.paymentId)
      ? HashMap.remove(index.activePaymentByPos, payment.posId)
      : index.activePaymentByPos
  return withDeadline(
    {
      ...state,
      payments: HashMap.set(state.payments, payment.paymentId, payment),
      order: isNew
        ? { ...state.order, payments: Chunk.append(state.order.payments, payment.paymentId) }
        : state.order,
      index: {
        ...index,
        activePaymentByPos,
        paymentsByPos: isNew
          ? appendTo(index.paymentsByPos, payment.posId, payment.paymentId)
          : index.paymentsByPos,
        paymentsByOrderId: isNew
          ? appendTo(index.paymentsByOrderId, payment.orderId, payment.paymentId)
          : index.paymentsByOrderId,
      },
    },
    [deadlineOf.payment(payment), "payment", payment.paymentId],
  )
}

export const withRefund = (state: State, refund: Refund): State => {
  const isNew = !HashMap.has(state.refunds, refund.refundId)
  return withDeadline(
    {
      ...state,
      refunds: HashMap.set(state.refunds, refund.refundId, refund),
      order: isNew
        ? { ...state.order, refunds: Chunk.append(state.order.refunds, refund.refundId) }
        : state.order,
      index: isNew
        ? {
            ...state.index,
            refundsByPayment: appendTo(
              state.index.refundsByPayment,
              refund.paymentId,
              refund.refundId,
            ),
          }
        : state.index,
    },
    [deadlineOf.refund(refund), "refund", refund.refundId],
  )
}

export const pointOfSaleOf = (state: State, posId: string): PointOfSale | undefined =>
  Option.getOrUndefined(HashMap.get(state.pointsOfSale, posId))

export const paymentOf = (state: State, paymentId: string): Payment | undefined =>
  Option.getOrUndefined(HashMap.get(state.payments, paymentId))

export const refundOf = (state: State, refundId: string): Refund | undefined =>
  Option.getOrUndefined(HashMap.get(state.refunds, refundId))

export const tokenOf = (state: State, jti: string): IssuedToken | undefined =>
  Option.getOrUndefined(HashMap.get(state.tokens, jti))

export const idempotentAnswerOf = (state: State, key: string): IdempotentAnswer | undefined =>
  Option.getOrUndefined(HashMap.get(state.idempotency, key))

export const allPointsOfSale = (state: State): ReadonlyArray<PointOfSale> =>
  pick(state.pointsOfSale, Chunk.toReadonlyArray(state.order.pointsOfSale))

export const allPayments = (state: State): ReadonlyArray<Payment> =>
  pick(state.payments, Chunk.toReadonlyArray(state.order.payments))

export const allRefunds = (state: State): ReadonlyArray<Refund> =>
  pick(state.refunds, Chunk.toReadonlyArray(state.order.refunds))

export const paymentsOnPos = (state: State, posId: string): ReadonlyArray<Payment> =>
  pick(state.payments, idsIn(state.index.paymentsByPos, posId))

export const paymentsWithOrderId = (state: State, orderId: string): ReadonlyArray<Payment> =>
  pick(state.payments, idsIn(state.index.paymentsByOrderId, orderId))

export const refundsOfPayment = (state: State, paymentId: string): ReadonlyArray<Refund> =>
  pick(state.refunds, idsIn(state.index.refundsByPayment, paymentId))

export const pointsOfSaleInStore = (state: State, storeId: string): ReadonlyArray<PointOfSale> =>
  pick(state.pointsOfSale, idsIn(state.index.pointsOfSaleByStore, storeId))

export const livePosWithMerchantPosId = (
  state: State,
  owner: Owner,
  merchantPosId: string,
): PointOfSale | undefined =>
  Option.getOrUndefined(
    Option.flatMap(
      HashMap.get(
        state.index.livePosByMerchantPosId,
        `${owner.integratorId}|${owner.merchantVat}|${merchantPosId}`,
      ),
      (posId) => HashMap.get(state.pointsOfSale, posId),
    ),
  )

export const activePaymentOn = (state: State, posId: string): Payment | undefined =>
  Option.getOrUndefined(
    Option.flatMap(HashMap.get(state.index.activePaymentByPos, posId), (paymentId) =>
      HashMap.get(state.payments, paymentId),
    ),
  )

export const pointOfSaleByBeacon = (state: State, beaconId: string): PointOfSale | undefined =>
  Option.getOrUndefined(
    Option.flatMap(HashMap.get(state.index.livePosByBeacon, beaconId.toLowerCase()), (posId) =>
      HashMap.get(state.pointsOfSale, posId),
    ),
  )
