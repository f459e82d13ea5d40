import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { expectError } from "./support/Flows.js"
import { accessToken, posClient, send } from "./support/Http.js"

const { integratorA } = SeedData

describe("headers of every PoS V10 call", () => {
  it.scoped("the client system version: missing 1153, duplicated 1157, invalid 1161", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      const version = (value: string) =>
        pos.call("GET", "/stores", { headers: { "x-mobilepay-client-system-version": value } })
      expectError(yield* version(""), 400, "1153")
      expectError(yield* version("1.0.0, 1.0.1"), 400, "1157")
      for (const invalid of ["1.0", "v1.0.0", "1.0.0.0", "a.b.c"]) {
        expectError(yield* version(invalid), 400, "1161")
      }
      expect((yield* version("10.20.300")).status).toBe(200)
    }),
  )

  it.scoped(
    "without a merchant_vat claim the VAT header is needed: missing 1151, duplicated 1155, invalid 1159",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const pos = yield* posClient(sandbox, integratorA, "DK90000028")
        const vat = (value: string) =>
          pos.call("GET", "/stores", { headers: { "x-mobilepay-merchant-vat-number": value } })
        expectError(yield* vat(""), 400, "1151")
        expectError(yield* vat("DK90000028, DK90000028"), 400, "1155")
        expectError(yield* vat("DK9000002"), 400, "1159")
        expectError(yield* vat("SE90000028"), 400, "1159")
      }),
  )

  it.scoped(
    "with a merchant_vat claim the header may be left out, and must agree when sent (1182)",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const bound = yield* posClient(sandbox, integratorA, "DK90000028", { vatInToken: true })
        expect((yield* bound.call("GET", "/stores")).status).toBe(200)
        const same = yield* bound.call("GET", "/stores", {
          headers: { "x-mobilepay-merchant-vat-number": "DK90000028" },
        })
        expect(same.status).toBe(200)
        const other = yield* bound.call("GET", "/stores", {
          headers: { "x-mobilepay-merchant-vat-number": "DK12345678" },
        })
        expectError(other, 400, "1182")
      }),
  )

  it.scoped("the checks come in MobilePay's order: token before headers", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const token = yield* accessToken(sandbox, integratorA)
      const noHeaders = yield* send("GET", `${sandbox.posUrl}/stores`, {
        headers: { authorization: `Bearer ${token}`, "x-ibm-client-id": integratorA.clientId },
      })
      expectError(noHeaders, 400, "1153")
      const noToken = yield* send("GET", `${sandbox.posUrl}/stores`)
      expect(noToken.status).toBe(401)
    }),
  )

  it.scoped("every answer carries an x-correlation-id, the one in the error body", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      const ok = yield* pos.call("GET", "/stores")
      const refused = yield* pos.call("GET", "/pointofsales")
      expect(ok.headers["x-correlation-id"]).toMatch(/^[0-9a-f-]{36}$/)
      expectError(refused, 400, "1121")
      expect(refused.headers["x-correlation-id"]).not.toBe(ok.headers["x-correlation-id"])
    }),
  )
})
