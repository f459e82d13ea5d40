/**
 * Steps many tests share: a point of sale in the self-certification store, a payment brought
 * to a given state through the user simulation.
 */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import type { Sandbox } from "../../src/index.js"
import { SeedData } from "../../src/index.js"
import type { posClient } from "./Http.js"
import { field, userSimulation, type PosCallOptions, type Reply } from "./Http.js"

export const certStoreId = SeedData.selfCertificationMerchant.stores[0]?.storeId ?? ""
export const cafeActiveStoreId = SeedData.demoCafe.stores[0]?.storeId ?? ""
export const cafeInactiveStoreId = SeedData.demoCafe.stores[1]?.storeId ?? ""

export type PosCaller = Effect.Effect.Success<ReturnType<typeof posClient>>

export const expectError = (reply: Reply, status: number, code: string) => {
  expect(reply.status, reply.text).toBe(status)
  expect(field(reply, "code"), reply.text).toBe(code)
  expect(typeof field(reply, "message")).toBe("string")
  expect(field(reply, "correlationId")).toBe(reply.headers["x-correlation-id"])
}

export const createPos = (
  pos: PosCaller,
  overrides: Record<string, unknown> = {},
  options: PosCallOptions = {},
) =>
  Effect.gen(function* () {
    const reply = yield* pos.call("POST", "/pointofsales", {
      ...options,
      json: {
        merchantPosId: `till-${Math.random().toString(36).slice(2, 10)}`,
        storeId: certStoreId,
        name: "Till 1",
        supportedBeaconTypes: ["QR", "Bluetooth"],
        ...overrides,
      },
    })
    expect(reply.status, reply.text).toBe(200)
    const posId = String(field(reply, "posId"))
    const details = yield* pos.call("GET", `/pointofsales/${posId}`)
    return { posId, beaconId: String(field(details, "beaconId")) }
  })

export const initiate = (pos: PosCaller, posId: string, overrides: Record<string, unknown> = {}) =>
  pos.call("POST", "/payments", {
    json: {
      posId,
      orderId: "order-1",
      amount: 100,
      currencyCode: "DKK",
      plannedCaptureDelay: "None",
      ...overrides,
    },
  })

export const statusOf = (pos: PosCaller, paymentId: string) =>
  Effect.map(pos.call("GET", `/payments/${paymentId}`), (reply) => field(reply, "status"))

/** A payment of `amount` DKK reserved by `phoneNumber` on a fresh point of sale. */
export const reservedPayment = (
  sandbox: Sandbox.Sandbox.Service,
  pos: PosCaller,
  options: {
    readonly amount?: number
    readonly phoneNumber?: string
    readonly currencyCode?: string
  } = {},
) =>
  Effect.gen(function* () {
    const { posId, beaconId } = yield* createPos(pos)
    const phoneNumber = options.phoneNumber ?? "+4520031801"
    const started = yield* initiate(pos, posId, {
      amount: options.amount ?? 100,
      currencyCode: options.currencyCode ?? "DKK",
    })
    const paymentId = String(field(started, "paymentId"))
    expect((yield* userSimulation(sandbox, "checkin", { beaconId, phoneNumber })).status).toBe(200)
    expect(
      (yield* userSimulation(sandbox, "acceptpayment", { beaconId, phoneNumber })).status,
    ).toBe(200)
    expect(yield* statusOf(pos, paymentId)).toBe("Reserved")
    return { posId, beaconId, paymentId }
  })

export const capturedPayment = (
  sandbox: Sandbox.Sandbox.Service,
  pos: PosCaller,
  options: { readonly amount?: number; readonly currencyCode?: string } = {},
) =>
  Effect.gen(function* () {
    const reserved = yield* reservedPayment(sandbox, pos, options)
    const capture = yield* pos.call("POST", `/payments/${reserved.paymentId}/capture`, {
      json: { amount: options.amount ?? 100 },
    })
    expect(capture.status, capture.text).toBe(200)
    return reserved
  })
