/**
 * What the page shows, as one JSON value read from the sandbox's state: merchants, stores and
 * tills, payments and refunds of both platforms, the request log, webhook deliveries, fault
 * rules and the clock. Read-only, and free of secrets: no signing key, no client secret or
 * subscription key, no webhook secret, no token; the request log's credentials are replaced
 * by `[redacted]` before they leave the sandbox.
 */
import { Chunk, Either, HashMap, Option } from "effect"
import type { ReceivedRequest } from "./App.js"
import { paymentView } from "./EPaymentApi.js"
import type { ActiveRule } from "./Faults.js"
import { formatFaultRule } from "./Faults.js"
import { allEPayments, type EPayment, type PlatformState } from "./Platform.js"
import { callbackQrContent } from "./QrApi.js"
import { allPayments, allPointsOfSale, allRefunds, type State } from "./State.js"
import type { DeliveryAttempt } from "./WebhookDelivery.js"
import { isStoreActivated, type World } from "./World.js"

/**
 * How many of the newest of each list (requests, delivery attempts, payments, refunds, points
 * of sale) the page gets: a long-running sandbox's view stays a few hundred kilobytes.
 */
export const viewLimit = 200

export const redacted = "[redacted]"

// Headers that carry credentials: the token request's Basic auth and client_secret, bearer
// tokens, subscription keys. The idempotency key stays: it is what a person looks for.
const secretHeader =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|secret|password|subscription-key|token|api-key/i
// Fields of a body that carry credentials: a client secret, a customer token, a password.
const secretField = /secret|password|token|assertion/i

const redactHeaders = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      secretHeader.test(name) ? redacted : value,
    ]),
  )

const redactJson = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redactJson)
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([name, field]) => [
      name,
      secretField.test(name) ? redacted : redactJson(field),
    ]),
  )
}

/** A body with its credential fields replaced: JSON by field name, a form by parameter name. */
export const redactBody = (body: string): string => {
  if (body === "") return body
  return Either.match(
    Either.try((): unknown => JSON.parse(body)),
    {
      onRight: (json) => JSON.stringify(redactJson(json)),
      onLeft: () =>
        body.replace(
          /(^|&)([^=&]*(?:secret|password|token|assertion)[^=&]*)=[^&]*/gi,
          `$1$2=${redacted}`,
        ),
    },
  )
}

const iso = (millis: number | undefined) =>
  millis === undefined ? null : new Date(millis).toISOString()

const requestView = (request: ReceivedRequest) => ({
  method: request.method,
  path: request.path,
  query: Object.fromEntries(
    Object.entries(request.query).map(([name, value]) => [
      name,
      secretField.test(name) ? redacted : value,
    ]),
  ),
  receivedAt: iso(request.receivedAt),
  fault: request.fault ?? null,
  headers: redactHeaders(request.headers),
  body: redactBody(request.body),
})

const attemptView = (attempt: DeliveryAttempt) => ({
  registrationId: attempt.registrationId,
  url: attempt.url,
  eventType: attempt.eventType,
  body: redactBody(attempt.body),
  attempt: attempt.attempt,
  at: iso(attempt.at),
  status: attempt.status ?? null,
  outcome: attempt.outcome,
  signature: attempt.signature ?? null,
})

const ePaymentView = (payment: EPayment) => ({
  ...paymentView(payment),
  msn: payment.msn,
  userFlow: payment.userFlow,
  // Whom it was sent to: a phone number or a personal QR, never a customer token's value.
  customer: payment.customer === undefined ? null : payment.customer._tag,
  user: payment.user ?? null,
  paymentDescription: payment.paymentDescription ?? null,
  createdAt: iso(payment.createdAt),
  expiresAt: iso(payment.expiresAt),
  // A dynamic QR (userFlow QR): what the till shows, and what a phone scanning it reads.
  qr:
    payment.qrId === undefined
      ? null
      : {
          image: `/sandbox/v1/qr/${payment.qrId}.svg`,
          content: `/sandbox/v1/pay?token=${payment.qrId}`,
        },
})

const platformView = (world: World, platform: PlatformState, now: number) => ({
  salesUnits: world.salesUnits.map((unit) => ({
    msn: unit.msn,
    name: unit.name,
    market: unit.market,
    currency: unit.currency,
  })),
  users: world.platformUsers.map((user) => ({
    phoneNumber: user.phoneNumber,
    name: user.name,
    market: user.market,
    personalQr: user.personalQr,
  })),
  payments: allEPayments(platform).slice(-viewLimit).map(ePaymentView),
  callbackQrs: Chunk.toReadonlyArray(platform.callbackQrOrder).flatMap((key) =>
    Option.toArray(HashMap.get(platform.callbackQrs, key)).map((qr) => ({
      msn: qr.msn,
      merchantQrId: qr.merchantQrId,
      locationDescription: qr.locationDescription,
      category: qr.category,
      beacon: qr.beacon,
      content: callbackQrContent(qr),
      image: `/sandbox/v1/callback-qr/${qr.msn}/${encodeURIComponent(qr.merchantQrId)}.svg`,
    })),
  ),
  checkIns: HashMap.toValues(platform.customerTokens)
    .filter((checkIn) => checkIn.expiresAt > now)
    .map((checkIn) => ({
      phoneNumber: checkIn.phoneNumber,
      msn: checkIn.msn,
      merchantQrId: checkIn.merchantQrId,
      expiresAt: iso(checkIn.expiresAt),
    })),
  webhooks: Chunk.toReadonlyArray(platform.webhookOrder).flatMap((id) =>
    Option.toArray(HashMap.get(platform.webhooks, id)).map((registration) => ({
      id: registration.id,
      msn: registration.msn,
      url: registration.url,
      events: registration.events,
    })),
  ),
})

const v10View = (world: World, state: State) => ({
  merchants: world.merchants.map((merchant) => ({
    vat: merchant.vat,
    name: merchant.name,
    stores: merchant.stores.map((store) => ({
      storeId: store.storeId,
      name: store.storeName,
      brandName: store.brandName,
      city: store.storeCity,
      activated: isStoreActivated(state, store),
    })),
  })),
  users: world.users.map((user) => ({
    phoneNumber: user.phoneNumber,
    country: user.country,
    card: user.card,
    loyalty: user.loyaltyIds.length > 0,
    partialCapturePossible: user.partialCapturePossible,
  })),
  pointsOfSale: allPointsOfSale(state)
    .slice(-viewLimit)
    .map((pos) => ({
      posId: pos.posId,
      merchantPosId: pos.merchantPosId,
      name: pos.name,
      storeId: pos.storeId,
      merchantVat: pos.merchantVat,
      beaconId: pos.beaconId,
      supportedBeaconTypes: pos.supportedBeaconTypes,
      checkedIn: pos.checkedIn ?? null,
      deleted: pos.deleted,
    })),
  payments: allPayments(state)
    .slice(-viewLimit)
    .map((payment) => ({
      paymentId: payment.paymentId,
      posId: payment.posId,
      orderId: payment.orderId,
      merchantVat: payment.merchantVat,
      amount: payment.amount ?? null,
      currencyCode: payment.currencyCode ?? null,
      status: payment.status,
      user: payment.user ?? null,
      createdAt: iso(payment.createdAt),
      reservedAt: iso(payment.reservedAt),
      capturedAmount: payment.capturedAmount ?? null,
      capturedAt: iso(payment.capturedAt),
    })),
  refunds: allRefunds(state)
    .slice(-viewLimit)
    .map((refund) => ({
      refundId: refund.refundId,
      paymentId: refund.paymentId,
      refundOrderId: refund.refundOrderId,
      amount: refund.amount,
      currencyCode: refund.currencyCode,
      status: refund.status,
      createdAt: iso(refund.createdAt),
    })),
})

export interface ViewInput {
  readonly world: World
  readonly state: State
  readonly now: number
  readonly clockOffset: number
  readonly requests: ReadonlyArray<ReceivedRequest>
  readonly attempts: ReadonlyArray<DeliveryAttempt>
  readonly pendingWebhooks: number
  readonly faults: ReadonlyArray<ActiveRule>
}

/** The page's view of the sandbox; the newest requests and attempts come first. */
export const viewOf = (input: ViewInput) => ({
  seed: input.world.seed,
  now: iso(input.now),
  clockOffsetMillis: input.clockOffset,
  v10: v10View(input.world, input.state),
  platform: platformView(input.world, input.state.platform, input.now),
  requests: input.requests.slice(-viewLimit).reverse().map(requestView),
  deliveries: {
    attempts: input.attempts.slice(-viewLimit).reverse().map(attemptView),
    pending: input.pendingWebhooks,
  },
  faults: input.faults.map((active) => ({
    rule: formatFaultRule(active.rule),
    fired: active.fired,
    exhausted: active.rule.times !== undefined && active.fired >= active.rule.times,
  })),
})
