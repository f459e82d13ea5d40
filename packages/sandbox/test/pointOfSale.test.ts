import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import {
  cafeActiveStoreId,
  cafeInactiveStoreId,
  certStoreId,
  createPos,
  expectError,
  initiate,
} from "./support/Flows.js"
import { field, json, posClient, userSimulation } from "./support/Http.js"

const { integratorA, integratorASecondClient, integratorB } = SeedData
const certVat = "DK90000028"

describe("points of sale", () => {
  it.scoped("creates a point of sale and shows it with a generated beacon id", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const created = yield* pos.call("POST", "/pointofsales", {
        json: {
          merchantPosId: "till-1",
          storeId: certStoreId,
          name: "Kasse #1 æøå",
          supportedBeaconTypes: ["QR"],
        },
      })
      expect(created.status).toBe(200)
      const posId = String(field(created, "posId"))
      const shown = yield* pos.call("GET", `/pointofsales/${posId}`)
      expect(json(shown)).toMatchObject({
        posId,
        merchantPosId: "till-1",
        storeId: certStoreId,
        name: "Kasse #1 æøå",
        callbackAlias: null,
        supportedBeaconTypes: ["QR"],
        requirePaymentBeforeCheckin: false,
      })
      expect(String(field(shown, "beaconId"))).toMatch(/^[0-9a-f-]{36}$/)
      expect((yield* sandbox.pointsOfSale).map((p) => p.posId)).toEqual([posId])
    }),
  )

  it.scoped("keeps a given 15-digit beacon id, and refuses it twice (1202)", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const { beaconId } = yield* createPos(pos, { beaconId: "123456789012345" })
      expect(beaconId).toBe("123456789012345")
      const again = yield* pos.call("POST", "/pointofsales", {
        json: {
          merchantPosId: "other",
          storeId: certStoreId,
          name: "x",
          beaconId,
          supportedBeaconTypes: ["QR"],
        },
      })
      expectError(again, 409, "1202")
    }),
  )

  it.scoped("refuses a duplicate merchantPosId for the same integrator and merchant (1200)", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      yield* createPos(pos, { merchantPosId: "till-1" })
      const body = {
        merchantPosId: "till-1",
        storeId: certStoreId,
        name: "x",
        supportedBeaconTypes: ["QR"],
      }
      expectError(yield* pos.call("POST", "/pointofsales", { json: body }), 409, "1200")
      // Another integrator has its own namespace of merchantPosIds.
      const b = yield* posClient(sandbox, integratorB, certVat)
      expect((yield* b.call("POST", "/pointofsales", { json: body })).status).toBe(200)
    }),
  )

  it.scoped("refuses unknown (1002), foreign (403 1403) and not activated (1204) stores", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const body = (storeId: string) => ({
        json: { merchantPosId: "t", storeId, name: "x", supportedBeaconTypes: ["QR"] },
      })
      expectError(
        yield* pos.call("POST", "/pointofsales", body("00000000-0000-4000-8000-000000000000")),
        409,
        "1002",
      )
      expectError(yield* pos.call("POST", "/pointofsales", body(cafeActiveStoreId)), 403, "1403")
      const cafe = yield* posClient(sandbox, integratorA, SeedData.demoCafe.vat)
      expectError(yield* cafe.call("POST", "/pointofsales", body(cafeInactiveStoreId)), 409, "1204")
      expect((yield* cafe.call("POST", "/pointofsales", body(cafeActiveStoreId))).status).toBe(200)
    }),
  )

  it.scoped("validates the input formats with their codes", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const valid = {
        merchantPosId: "t",
        storeId: certStoreId,
        name: "x",
        supportedBeaconTypes: ["QR"],
      }
      const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
        [{ beaconId: "12345" }, "1100"],
        [{ beaconId: "not-a-guid" }, "1100"],
        [{ merchantPosId: "x".repeat(37) }, "1111"],
        [{ merchantPosId: "" }, "1111"],
        [{ merchantPosId: "emoji 🙂" }, "1111"],
        [{ name: "tab\there" }, "1112"],
        [{ callbackAlias: "a".repeat(37) }, "1116"],
        [{ storeId: "store-1" }, "1099"],
        [{ supportedBeaconTypes: ["Laser"] }, "1099"],
        [{ supportedBeaconTypes: undefined }, "1099"],
      ]
      for (const [override, code] of cases) {
        expectError(
          yield* pos.call("POST", "/pointofsales", { json: { ...valid, ...override } }),
          400,
          code,
        )
      }
      expect(yield* sandbox.pointsOfSale).toHaveLength(0)
    }),
  )

  it.scoped("filters by store, beacon and merchantPosId; no filter is 1121", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const one = yield* createPos(pos, { merchantPosId: "one" })
      const two = yield* createPos(pos, { merchantPosId: "two" })
      const ids = (query: string) =>
        Effect.map(pos.call("GET", `/pointofsales${query}`), (reply) => field(reply, "posIds"))
      expect(yield* ids(`?storeId=${certStoreId}`)).toEqual([one.posId, two.posId])
      expect(yield* ids(`?merchantPosId=two`)).toEqual([two.posId])
      expect(yield* ids(`?beaconId=${one.beaconId}`)).toEqual([one.posId])
      expect(yield* ids(`?merchantPosId=three`)).toEqual([])
      expectError(yield* pos.call("GET", "/pointofsales"), 400, "1121")
      expectError(yield* pos.call("GET", "/pointofsales?beaconId=42"), 400, "1100")
      // Another integrator sees none of them.
      const b = yield* posClient(sandbox, integratorB, certVat)
      expect(field(yield* b.call("GET", `/pointofsales?storeId=${certStoreId}`), "posIds")).toEqual(
        [],
      )
    }),
  )

  it.scoped(
    "shares points of sale between the clients of one integrator, not with others (1400, 1410)",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const a = yield* posClient(sandbox, integratorA, certVat)
        const { posId } = yield* createPos(a)
        const a2 = yield* posClient(sandbox, integratorASecondClient, certVat)
        expect((yield* a2.call("GET", `/pointofsales/${posId}`)).status).toBe(200)
        const b = yield* posClient(sandbox, integratorB, certVat)
        expectError(yield* b.call("GET", `/pointofsales/${posId}`), 403, "1400")
        expectError(yield* b.call("DELETE", `/pointofsales/${posId}`), 403, "1400")
        expectError(yield* b.call("GET", `/pointofsales/${posId}/checkin`), 403, "1400")
        const otherMerchant = yield* posClient(sandbox, integratorA, SeedData.demoCafe.vat)
        expectError(yield* otherMerchant.call("GET", `/pointofsales/${posId}`), 403, "1410")
        expectError(yield* otherMerchant.call("DELETE", `/pointofsales/${posId}`), 403, "1409")
      }),
  )

  it.scoped("deletes a point of sale: 404 afterwards, and its merchantPosId is free again", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const { posId } = yield* createPos(pos, { merchantPosId: "till" })
      expect((yield* pos.call("DELETE", `/pointofsales/${posId}`)).status).toBe(200)
      const gone = yield* pos.call("GET", `/pointofsales/${posId}`)
      expect(gone.status).toBe(404)
      expect(gone.text).toBe("")
      expect((yield* pos.call("DELETE", `/pointofsales/${posId}`)).status).toBe(404)
      expect((yield* pos.call("GET", `/pointofsales/${posId}/checkin`)).status).toBe(404)
      yield* createPos(pos, { merchantPosId: "till" })
      expectError(yield* pos.call("GET", "/pointofsales/not-a-guid"), 400, "1099")
    }),
  )

  it.scoped("reports a check-in with the user's loyalty ids and tokens, and a poll delay", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ pollDelay: Duration.millis(250) })
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const { posId, beaconId } = yield* createPos(pos)
      expect(json(yield* pos.call("GET", `/pointofsales/${posId}/checkin`))).toEqual({
        isUserCheckedIn: false,
        pollDelayInMs: 250,
      })
      const checkIn = yield* userSimulation(sandbox, "checkin", {
        beaconId,
        phoneNumber: "+4520031804",
      })
      expect(checkIn.status).toBe(200)
      const checkedIn = yield* pos.call("GET", `/pointofsales/${posId}/checkin`)
      expect(json(checkedIn)).toMatchObject({
        isUserCheckedIn: true,
        loyaltyIds: ["123456"],
        pollDelayInMs: 250,
      })
      expect(String(field(checkedIn, "customerToken"))).toMatch(/^[0-9a-f]{40}$/)
    }),
  )

  it.scoped("a point of sale requiring payment first refuses a check-in without one", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, certVat)
      const { posId, beaconId } = yield* createPos(pos, { requirePaymentBeforeCheckin: true })
      const refused = yield* userSimulation(sandbox, "checkin", {
        beaconId,
        phoneNumber: "+4520031801",
      })
      expect(refused.status).toBe(409)
      yield* initiate(pos, posId)
      const allowed = yield* userSimulation(sandbox, "checkin", {
        beaconId,
        phoneNumber: "+4520031801",
      })
      expect(allowed.status).toBe(200)
    }),
  )
})

describe("stores", () => {
  it.scoped("lists the merchant's stores, filtered by brand and location", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const cafe = yield* posClient(sandbox, integratorA, SeedData.demoCafe.vat)
      const ids = (query: string) =>
        Effect.map(cafe.call("GET", `/stores${query}`), (reply) => field(reply, "storeIds"))
      expect(yield* ids("")).toEqual([cafeActiveStoreId, cafeInactiveStoreId])
      expect(yield* ids("?merchantBrandId=POSDK12345&merchantLocationId=10002")).toEqual([
        cafeInactiveStoreId,
      ])
      expect(yield* ids("?merchantBrandId=POSDK99999")).toEqual([])
      expectError(yield* cafe.call("GET", "/stores?merchantLocationId=10001"), 400, "1122")
      expectError(yield* cafe.call("GET", "/stores?merchantBrandId=XX"), 400, "1119")
      expectError(
        yield* cafe.call("GET", "/stores?merchantBrandId=POSDK12345&merchantLocationId=1"),
        400,
        "1120",
      )
      const detailed = yield* cafe.call("GET", "/stores/detailed?merchantBrandId=POSDK12345")
      expect(json(detailed)).toEqual(
        SeedData.demoCafe.stores.map(({ activated: _, ...store }) => store),
      )
    }),
  )

  it.scoped("finds the self-certification store by MPPOSCERT1 / 00001", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const cert = yield* posClient(sandbox, integratorA, certVat, { vatInToken: true })
      const reply = yield* cert.call(
        "GET",
        "/stores?merchantBrandId=MPPOSCERT1&merchantLocationId=00001",
      )
      expect(field(reply, "storeIds")).toEqual([certStoreId])
      const store = yield* cert.call("GET", `/stores/${certStoreId}`)
      expect(json(store)).toMatchObject({
        storeId: certStoreId,
        merchantBrandId: "MPPOSCERT1",
        merchantLocationId: "00001",
      })
      // Another merchant's store does not exist for this caller.
      expect((yield* cert.call("GET", `/stores/${cafeActiveStoreId}`)).status).toBe(404)
      expectError(yield* cert.call("GET", "/stores/abc"), 400, "1099")
    }),
  )
})
