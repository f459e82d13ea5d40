/**
 * The Vipps MobilePay platform's part of the sandbox state (ePayment payments, webhook
 * registrations, callback QRs, check-ins, rate windows and the outbox of events to deliver),
 * as plain immutable values. `State` holds one `PlatformState`; changes go through
 * `transact` like the PoS V10 ones, so a check and the change it guards are atomic.
 */
import { Chunk, HashMap, Option } from "effect"

export type EPaymentState = "CREATED" | "AUTHORIZED" | "ABORTED" | "EXPIRED" | "TERMINATED"
export type EPaymentEventName = EPaymentState | "CAPTURED" | "CANCELLED" | "REFUNDED"
export type PlatformCurrency = "DKK" | "EUR" | "NOK"
export type UserFlow = "PUSH_MESSAGE" | "QR" | "WEB_REDIRECT" | "NATIVE_REDIRECT"

/** One entry of a payment's event log. */
export interface EPaymentEvent {
  readonly name: EPaymentEventName
  readonly value: number
  readonly timestamp: number
  readonly idempotencyKey: string | undefined
  readonly success: boolean
  readonly pspReference: string
}

/** Whom a `PUSH_MESSAGE` payment was sent to, as the create named them. */
export type CustomerRef =
  | { readonly _tag: "phoneNumber"; readonly value: string }
  | { readonly _tag: "personalQr"; readonly value: string }
  | { readonly _tag: "customerToken"; readonly value: string }

/** An ePayment payment as the sandbox holds it. */
export interface EPayment {
  readonly msn: string
  readonly reference: string
  readonly pspReference: string
  readonly currency: PlatformCurrency
  readonly value: number
  readonly userFlow: UserFlow
  readonly method: "WALLET" | "CARD"
  readonly customer: CustomerRef | undefined
  /** The phone number of the customer the request is shown to (pushed, or who scanned it). */
  readonly user: string | undefined
  readonly paymentDescription: string | undefined
  readonly metadata: Readonly<Record<string, string>> | undefined
  /** The create's Order Management `receipt`, as sent (Order Management and the app show it). */
  readonly receipt: Readonly<Record<string, unknown>> | undefined
  readonly redirectUrl: string | undefined
  /** The id of its dynamic QR (`userFlow: QR`). */
  readonly qrId: string | undefined
  readonly createdAt: number
  /** When a `CREATED` payment expires: 10 minutes after creation, or its `expiresAt`. */
  readonly expiresAt: number
  readonly state: EPaymentState
  readonly authorizedAt: number | undefined
  readonly captured: number
  readonly cancelled: number
  readonly refunded: number
  readonly events: ReadonlyArray<EPaymentEvent>
}

/** An event waiting to be handed to the webhook deliverer. */
export interface OutboxEvent {
  readonly msn: string
  /** e.g. `epayments.payment.authorized.v1`, `user.checked-in.v1`. */
  readonly eventType: string
  /** Deliveries with the same key keep their order (a payment's events). */
  readonly orderKey: string
  readonly payload: Readonly<Record<string, unknown>>
}

export interface WebhookRegistration {
  readonly id: string
  readonly msn: string
  readonly url: string
  readonly events: ReadonlyArray<string>
  /** The signing secret, returned once at registration. */
  readonly secret: string
}

export interface CallbackQr {
  readonly msn: string
  readonly merchantQrId: string
  readonly locationDescription: string
  readonly category: "IN_STORE" | "VENDING"
  /** A migrated PoS V10 beacon (its id is the beaconId). */
  readonly beacon: boolean
}

/** What a scan of a callback QR hands out: a `customerToken` valid 15 minutes. */
export interface CheckIn {
  readonly phoneNumber: string
  readonly msn: string
  readonly merchantQrId: string
  readonly expiresAt: number
}

export interface PlatformState {
  /** By `msn|reference`. */
  readonly payments: HashMap.HashMap<string, EPayment>
  readonly paymentOrder: Chunk.Chunk<string>
  /** Dynamic QR id → payment key. */
  readonly dynamicQrs: HashMap.HashMap<string, string>
  /** Request times per rate-limit key, oldest first, within the last minute. */
  readonly rateWindows: HashMap.HashMap<string, ReadonlyArray<number>>
  readonly outbox: Chunk.Chunk<OutboxEvent>
  readonly webhooks: HashMap.HashMap<string, WebhookRegistration>
  readonly webhookOrder: Chunk.Chunk<string>
  /** By `msn|merchantQrId`. */
  readonly callbackQrs: HashMap.HashMap<string, CallbackQr>
  readonly callbackQrOrder: Chunk.Chunk<string>
  /** Migrated beacon id (lower case) → the MSN it is mapped to. */
  readonly beacons: HashMap.HashMap<string, string>
  readonly customerTokens: HashMap.HashMap<string, CheckIn>
}

export const emptyPlatform: PlatformState = {
  payments: HashMap.empty(),
  paymentOrder: Chunk.empty(),
  dynamicQrs: HashMap.empty(),
  rateWindows: HashMap.empty(),
  outbox: Chunk.empty(),
  webhooks: HashMap.empty(),
  webhookOrder: Chunk.empty(),
  callbackQrs: HashMap.empty(),
  callbackQrOrder: Chunk.empty(),
  beacons: HashMap.empty(),
  customerTokens: HashMap.empty(),
}

export const MINUTE = 60 * 1000
/** A customer has 10 minutes to act on a payment request (5 to open, 5 to approve). */
export const customerTimeout = 10 * MINUTE
/** A callback-QR check-in's `customerToken` is valid 15 minutes. */
export const customerTokenLifetime = 15 * MINUTE

export const paymentKey = (msn: string, reference: string): string => `${msn}|${reference}`

export const ePaymentOf = (platform: PlatformState, key: string): EPayment | undefined =>
  Option.getOrUndefined(HashMap.get(platform.payments, key))

export const allEPayments = (platform: PlatformState): ReadonlyArray<EPayment> =>
  Chunk.toReadonlyArray(platform.paymentOrder).flatMap((key) =>
    Option.toArray(HashMap.get(platform.payments, key)),
  )

/** The webhook event type of a payment event name. */
export const eventTypeOf = (name: EPaymentEventName): string =>
  `epayments.payment.${name.toLowerCase()}.v1`

/** A payment event as the event log and the webhook payload show it (the webhook adds `msn`). */
export const eventView = (payment: EPayment, event: EPaymentEvent) => ({
  reference: payment.reference,
  pspReference: event.pspReference,
  name: event.name,
  amount: { currency: payment.currency, value: event.value },
  timestamp: new Date(event.timestamp).toISOString(),
  idempotencyKey: event.idempotencyKey ?? null,
  success: event.success,
})

/** Stores a payment and queues its events that are new since `previous` for delivery. */
export const withEPayment = (platform: PlatformState, payment: EPayment): PlatformState => {
  const key = paymentKey(payment.msn, payment.reference)
  const previous = ePaymentOf(platform, key)
  const fresh = payment.events.slice(previous?.events.length ?? 0)
  let outbox = platform.outbox
  for (const event of fresh) {
    outbox = Chunk.append(outbox, {
      msn: payment.msn,
      eventType: eventTypeOf(event.name),
      orderKey: key,
      payload: { msn: payment.msn, ...eventView(payment, event) },
    })
  }
  return {
    ...platform,
    payments: HashMap.set(platform.payments, key, payment),
    paymentOrder:
      previous === undefined ? Chunk.append(platform.paymentOrder, key) : platform.paymentOrder,
    dynamicQrs:
      payment.qrId === undefined || previous !== undefined
        ? platform.dynamicQrs
        : HashMap.set(platform.dynamicQrs, payment.qrId, key),
    outbox,
  }
}

/** A `CREATED` payment whose time is up becomes `EXPIRED`; anything else stays. */
export const expireEPayment = (
  platform: PlatformState,
  key: string,
  now: number,
  pspReference: string,
): PlatformState => {
  const payment = ePaymentOf(platform, key)
  if (payment === undefined || payment.state !== "CREATED" || payment.expiresAt > now) {
    return platform
  }
  return withEPayment(platform, {
    ...payment,
    state: "EXPIRED",
    events: [
      ...payment.events,
      {
        name: "EXPIRED",
        value: payment.value,
        timestamp: payment.expiresAt,
        idempotencyKey: undefined,
        success: true,
        pspReference,
      },
    ],
  })
}

/**
 * Records one request against a rate-limit key: the request times of the last minute, and
 * whether this one is over `limit` (then it is not counted). `retryAfter` is in seconds.
 */
export const countRequest = (
  platform: PlatformState,
  key: string,
  limit: number,
  now: number,
): readonly [{ readonly allowed: boolean; readonly retryAfter: number }, PlatformState] => {
  const recent = Option.getOrElse(
    HashMap.get(platform.rateWindows, key),
    (): ReadonlyArray<number> => [],
  ).filter((at) => at > now - MINUTE)
  if (recent.length >= limit) {
    const oldest = recent[0] ?? now
    return [
      { allowed: false, retryAfter: Math.max(1, Math.ceil((oldest + MINUTE - now) / 1000)) },
      { ...platform, rateWindows: HashMap.set(platform.rateWindows, key, recent) },
    ]
  }
  return [
    { allowed: true, retryAfter: 0 },
    { ...platform, rateWindows: HashMap.set(platform.rateWindows, key, [...recent, now]) },
  ]
}
