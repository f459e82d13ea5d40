/**
 * The sandbox's whole mutable world as one immutable value, changed only through
 * `Ref.modify`, so a check and the change it guards (e.g. "no active payment" then "create
 * one") are atomic even when a client retries concurrently.
 */
import { createHash } from "node:crypto"

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
}

export interface IssuedToken {
  readonly clientId: string
  readonly revoked: boolean
}

export interface State {
  /** Feeds the deterministic ids: one step per id handed out. */
  readonly counter: number
  readonly pointsOfSale: ReadonlyMap<string, PointOfSale>
  readonly payments: ReadonlyMap<string, Payment>
  readonly refunds: ReadonlyMap<string, Refund>
  readonly idempotency: ReadonlyMap<string, IdempotentAnswer>
  readonly tokens: ReadonlyMap<string, IssuedToken>
  /** Runtime overrides of the seeded stores' activation. */
  readonly storeActivation: ReadonlyMap<string, boolean>
  /** Store balances (for 1368); a store without one has unlimited balance. */
  readonly storeBalance: ReadonlyMap<string, number>
}

export const emptyState: State = {
  counter: 0,
  pointsOfSale: new Map(),
  payments: new Map(),
  refunds: new Map(),
  idempotency: new Map(),
  tokens: new Map(),
  storeActivation: new Map(),
  storeBalance: new Map(),
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

/**
 * Applies what time alone does: reservations older than 7 days expire, reserved refunds
 * older than 24 h are captured, idempotency keys older than 24 h are forgotten. Computed on
 * every access instead of by timers, so `TestClock.adjust` is all a test needs.
 */
export const settle = (state: State, now: number): State => {
  let payments: Map<string, Payment> | undefined
  for (const payment of state.payments.values()) {
    if (
      payment.status === "Reserved" &&
      payment.reservedAt !== undefined &&
      now >= payment.reservedAt + reservationLifetime
    ) {
      payments ??= new Map(state.payments)
      payments.set(payment.paymentId, { ...payment, status: "ExpiredAndCancelled" })
    }
  }
  let refunds: Map<string, Refund> | undefined
  for (const refund of state.refunds.values()) {
    if (refund.status === "Reserved" && now >= refund.createdAt + refundAutoCaptureAfter) {
      refunds ??= new Map(state.refunds)
      refunds.set(refund.refundId, { ...refund, status: "ExpiredAndCaptured" })
    }
  }
  let idempotency: Map<string, IdempotentAnswer> | undefined
  for (const [key, answer] of state.idempotency) {
    if (now >= answer.at + idempotencyRetention) {
      idempotency ??= new Map(state.idempotency)
      idempotency.delete(key)
    }
  }
  if (payments === undefined && refunds === undefined && idempotency === undefined) return state
  return {
    ...state,
    payments: payments ?? state.payments,
    refunds: refunds ?? state.refunds,
    idempotency: idempotency ?? state.idempotency,
  }
}

export const withPointOfSale = (state: State, pos: PointOfSale): State => ({
  ...state,
  pointsOfSale: new Map(state.pointsOfSale).set(pos.posId, pos),
})

export const withPayment = (state: State, payment: Payment): State => ({
  ...state,
  payments: new Map(state.payments).set(payment.paymentId, payment),
})

export const withRefund = (state: State, refund: Refund): State => ({
  ...state,
  refunds: new Map(state.refunds).set(refund.refundId, refund),
})

export const activePaymentOn = (state: State, posId: string): Payment | undefined => {
  for (const payment of state.payments.values()) {
    if (payment.posId === posId && activePaymentStatuses.has(payment.status)) return payment
  }
  return undefined
}

export const pointOfSaleByBeacon = (state: State, beaconId: string): PointOfSale | undefined => {
  for (const pos of state.pointsOfSale.values()) {
    if (!pos.deleted && pos.beaconId.toLowerCase() === beaconId.toLowerCase()) return pos
  }
  return undefined
}
