// A user's TypeScript program: type-checked with moduleResolution node16 and bundler against
// the packed declarations, then its emitted JavaScript runs with plain `node`.
import {
  ClientCredentials,
  Environment,
  SalesUnitCredentials,
  VippsEnvironment,
} from "@effect-mobilepay/core"
import { type EPayment, EPaymentClient } from "@effect-mobilepay/epayment"
import { NodeEPayment, NodeMobilePay } from "@effect-mobilepay/node"
import { SqlPaymentJournal } from "@effect-mobilepay/journal-sql"
import {
  type MobilePay,
  PaymentFlow,
  PaymentJournal,
  PointOfSaleFlow,
  PosClient,
} from "@effect-mobilepay/pos"
import type { PaymentAlreadyActive } from "@effect-mobilepay/pos/PosError"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { Effect, Layer, Schedule } from "effect"

const merchant = SeedData.selfCertificationMerchant

const MobilePayOnSandbox = Layer.unwrapEffect(
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.Sandbox
    return NodeMobilePay.layer({
      credentials: yield* ClientCredentials.make(SeedData.integratorA),
      environment: Environment.custom(sandbox),
      clientSystemVersion: "1.0.0",
      merchantVat: merchant.vat,
    })
  }),
).pipe(Layer.provide(Sandbox.layer()), Layer.merge(PaymentJournal.layerMemory))

// The SQL journal's layer types check against the packed declarations too.
export const journal: Layer.Layer<PaymentJournal.PaymentJournal, unknown, unknown> =
  SqlPaymentJournal.layer()

const customer = (beaconId: string) =>
  Effect.gen(function* () {
    const client = yield* PosClient.PosClient
    const phoneNumber = "+4520031801"
    yield* client.simulateCheckIn({ beaconId, phoneNumber })
    yield* client
      .simulateAcceptPayment({ beaconId, phoneNumber })
      .pipe(
        Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.intersect(Schedule.recurs(50)))),
      )
  })

// Typed end to end: the error channel is the client's union, one member imported by subpath.
const program: Effect.Effect<
  string,
  PaymentFlow.PaymentFlowError,
  MobilePay.Services | PaymentJournal.PaymentJournal
> = Effect.gen(function* () {
  const pos = yield* PointOfSaleFlow.ensurePos({
    merchantPosId: "verify-pack-ts",
    storeId: merchant.stores[0]?.storeId ?? "",
    name: "Verify pack TS",
    supportedBeaconTypes: ["QR"],
  })
  yield* Effect.fork(customer(pos.beaconId))
  const outcome = yield* PaymentFlow.payAndCapture({
    posId: pos.posId,
    orderId: "verify-pack-ts-1",
    amount: 125.5,
    currencyCode: "DKK",
    plannedCaptureDelay: "None",
  })
  return PaymentFlow.PaymentOutcome.$match(outcome, {
    Captured: ({ amount }) => `Captured ${amount.toFixed(2)}`,
    NotCompleted: ({ status }) => `NotCompleted ${status}`,
  })
}).pipe(
  Effect.catchTag("PaymentAlreadyActive", (error: PaymentAlreadyActive) =>
    Effect.succeed(`busy (${error.correlationId ?? "no correlation id"})`),
  ),
)

console.log(await Effect.runPromise(program.pipe(Effect.provide(MobilePayOnSandbox))))

// The Vipps MobilePay platform in one layer too: a payment pushed to a test user, read back.
const unit = SeedData.demoShopDk
const EPaymentOnSandbox = Layer.unwrapEffect(
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.Sandbox
    return NodeEPayment.layer({
      credentials: yield* SalesUnitCredentials.make(unit),
      environment: VippsEnvironment.custom(sandbox.baseUrl),
      merchantSerialNumber: unit.msn,
    })
  }),
).pipe(Layer.provide(Sandbox.layer()))

const pushed: Effect.Effect<string, EPaymentClient.EPaymentClientError, EPayment.Services> =
  Effect.gen(function* () {
    const client = yield* EPaymentClient.EPaymentClient
    yield* client.create({
      amount: { currency: "DKK", value: 12550 },
      paymentMethod: { type: "WALLET" },
      reference: "verify-pack-ts-epayment-1",
      userFlow: "PUSH_MESSAGE",
      customer: { phoneNumber: SeedData.platformUsers[0]?.phoneNumber ?? "" },
      customerInteraction: "CUSTOMER_PRESENT",
    })
    const payment = yield* client.get("verify-pack-ts-epayment-1")
    return `ePayment ${payment.state}`
  })

console.log(await Effect.runPromise(pushed.pipe(Effect.provide(EPaymentOnSandbox))))
