/**
 * The client stack against the sandbox, in-process on loopback: the sandbox runs on the test's
 * Clock (so TestClock ages its reservations and refunds), and the client talks to it as to
 * MobilePay, as integrator A for the self-certification merchant unless told otherwise.
 */
import { ClientCredentials, Environment } from "@effect-mobilepay/core"
import { MobilePay, PaymentJournal, PosClient } from "@effect-mobilepay/pos"
import { Sandbox, SeedData } from "@effect-mobilepay/sandbox"
import { Effect, Layer } from "effect"
import * as Transport from "./Transport.js"

export const merchant = SeedData.selfCertificationMerchant
export const storeId = merchant.stores[0]?.storeId ?? ""
/** The DK test users: credit card, and credit with partial capture. */
export const creditUser = "+4520031801"
export const partialCaptureUser = "+4520031805"

export const start = (
  options: Partial<MobilePay.Options> & {
    readonly sandbox?: Sandbox.SandboxOptions
    /** The journal the flows write to. @default PaymentJournal.layerMemory */
    readonly journal?: Layer.Layer<PaymentJournal.PaymentJournal>
  } = {},
) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make(options.sandbox)
    const context = yield* Layer.build(
      MobilePay.layer({
        credentials: yield* ClientCredentials.make(SeedData.integratorA),
        environment: Environment.custom({
          authUrl: sandbox.authUrl,
          posUrl: sandbox.posUrl,
          userSimulationUrl: sandbox.userSimulationUrl,
        }),
        clientSystemVersion: "1.2.3",
        merchantVat: merchant.vat,
        ...options,
      }).pipe(
        Layer.provide(Transport.layer),
        Layer.merge(options.journal ?? PaymentJournal.layerMemory),
      ),
    )
    const client = yield* Effect.provide(PosClient.PosClient, context)
    const journal = yield* Effect.provide(PaymentJournal.PaymentJournal, context)
    /** The requests the sandbox received on the PoS API (user simulation included). */
    const posRequests = Effect.map(sandbox.requests, (all) =>
      all.filter((request) => request.path.startsWith("/pos/")),
    )
    const tokenRequests = Effect.map(sandbox.requests, (all) =>
      all.filter((request) => request.path.endsWith("/connect/token")),
    )
    return { sandbox, client, journal, context, posRequests, tokenRequests }
  })

/** A point of sale in the self-certification store, with its beacon. */
export const pointOfSale = (client: PosClient.PosClient.Service, merchantPosId = "till-1") =>
  Effect.flatMap(
    client.createPos({ merchantPosId, storeId, name: "Till 1", supportedBeaconTypes: ["QR"] }),
    ({ posId }) => client.getPos(posId),
  )
