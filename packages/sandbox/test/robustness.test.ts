import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { connect } from "node:net"
import { Sandbox, SeedData } from "../src/index.js"
import { expectError } from "./support/Flows.js"
import { posClient, send } from "./support/Http.js"

const { integratorA } = SeedData

describe("robustness", () => {
  it.scoped(
    "garbage, wrong content types and odd JSON get 400 1099, and the sandbox keeps serving",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make()
        const pos = yield* posClient(sandbox, integratorA, "DK90000028")
        const bodies: ReadonlyArray<readonly [string, string]> = [
          ["application/json", "{not json"],
          ["application/json", ""],
          ["application/json", "null"],
          ["application/json", "[1,2,3]"],
          ["application/json", '"string"'],
          ["application/json", '{"__proto__": {"polluted": true}}'],
          ["text/plain", '{"posId": "x"}'],
          ["application/x-www-form-urlencoded", "posId=x"],
          ["application/json", "\u0000\u0001\u0002"],
        ]
        for (const [contentType, body] of bodies) {
          const reply = yield* pos.call("POST", "/payments", {
            headers: { "content-type": contentType },
            body,
          })
          expectError(reply, 400, "1099")
        }
        expect((yield* pos.call("GET", "/stores")).status).toBe(200)
        expect({}).not.toHaveProperty("polluted")
      }),
  )

  it.scoped("a deeply nested JSON body is 400 1099, not a 500", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      const deep = `{"posId":${"[".repeat(3000)}${"]".repeat(3000)}}`
      for (const path of ["/payments", "/pointofsales", "/refunds"]) {
        const reply = yield* pos.call("POST", path, {
          headers: { "content-type": "application/json" },
          body: deep,
        })
        expectError(reply, 400, "1099")
      }
      const restrictions = `{"restrictions":${'{"a":'.repeat(2000)}1${"}".repeat(2000)}}`
      const nested = yield* pos.call("POST", "/payments", {
        headers: { "content-type": "application/json" },
        body: restrictions,
      })
      expectError(nested, 400, "1099")
      const sim = yield* send("POST", `${sandbox.userSimulationUrl}/checkin`, {
        headers: { "content-type": "application/json" },
        body: deep.replace("posId", "beaconId"),
      })
      expectError(sim, 400, "1099")
      expect((yield* pos.call("GET", "/stores")).status).toBe(200)
    }),
  )

  it.scoped("properties the contract does not define and duplicate beacon types are 400", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      const storeId = SeedData.selfCertificationMerchant.stores[0]?.storeId
      const createPos = {
        merchantPosId: "strict-1",
        storeId,
        name: "Strict",
        supportedBeaconTypes: ["QR"],
      }
      for (const json of [
        { ...createPos, color: "red" },
        { ...createPos, supportedBeaconTypes: ["QR", "QR"] },
      ]) {
        expectError(yield* pos.call("POST", "/pointofsales", { json }), 400, "1099")
      }
      const posId = String(
        JSON.parse((yield* pos.call("POST", "/pointofsales", { json: createPos })).text).posId,
      )
      const payment = {
        posId,
        orderId: "o-1",
        amount: 10,
        currencyCode: "DKK",
        plannedCaptureDelay: "None",
      }
      for (const json of [
        { ...payment, tip: 5 },
        { ...payment, restrictions: { debitCardDisallowed: true, cashDisallowed: true } },
      ]) {
        expectError(yield* pos.call("POST", "/payments", { json }), 400, "1099")
      }
      const sim = yield* send("POST", `${sandbox.userSimulationUrl}/cancelpaymentbyuser`, {
        json: { beaconId: "123456789012345", reason: "changed my mind" },
      })
      expectError(sim, 400, "1099")
      // The same bodies without the extras are accepted.
      expect((yield* pos.call("POST", "/payments", { json: payment })).status).toBe(200)
    }),
  )

  it.scoped("accepts every JSON media type of the contract", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      const storeId = SeedData.selfCertificationMerchant.stores[0]?.storeId
      for (const [i, contentType] of [
        "application/json; charset=utf-8",
        "text/json",
        "application/json-patch+json",
        "application/vnd.test+json",
      ].entries()) {
        const reply = yield* pos.call("POST", "/pointofsales", {
          headers: { "content-type": contentType },
          body: JSON.stringify({
            merchantPosId: `t${i}`,
            storeId,
            name: "x",
            supportedBeaconTypes: ["QR"],
          }),
        })
        expect(reply.status, contentType).toBe(200)
      }
    }),
  )

  it.scoped("oversized bodies get 413 without being read whole", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make({ maxBodyBytes: 1024 })
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      const huge = JSON.stringify({ orderId: "x".repeat(5000) })
      const reply = yield* pos.call("POST", "/payments", {
        body: huge,
        headers: { "content-type": "application/json" },
      })
      expect(reply.status).toBe(413)
      const token = yield* send("POST", `${sandbox.authUrl}/connect/token`, {
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "a=".padEnd(4096, "b"),
      })
      expect(token.status).toBe(413)
      expect((yield* pos.call("GET", "/stores")).status).toBe(200)
    }),
  )

  it.scoped("unknown routes and methods are 404 without a body", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      for (const [method, url] of [
        ["GET", `${sandbox.baseUrl}/`],
        ["GET", `${sandbox.posUrl}/nothing`],
        ["PUT", `${sandbox.posUrl}/payments`],
        ["GET", `${sandbox.authUrl}/connect/token`],
      ] as const) {
        const reply = yield* send(method, url, { contract: false })
        expect(reply.status, `${method} ${url}`).toBe(404)
        expect(reply.text).toBe("")
      }
      expect((yield* pos.call("GET", "/stores")).status).toBe(200)
    }),
  )

  it.scoped("raw garbage on the socket and odd request targets do not bring it down", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const raw = (payload: string) =>
        Effect.promise(
          () =>
            new Promise<string>((resolve) => {
              const socket = connect(sandbox.port, "127.0.0.1", () => socket.end(payload))
              let answer = ""
              socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")))
              socket.on("close", () => resolve(answer))
              socket.on("error", () => resolve(answer))
            }),
        )
      expect(yield* raw("\u0000\u0001garbage\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/)
      expect(
        yield* raw("GET //x/../%zz?%%% HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
      ).toMatch(/^HTTP\/1\.1 404/)
      const pos = yield* posClient(sandbox, integratorA, "DK90000028")
      expect((yield* pos.call("GET", "/stores")).status).toBe(200)
    }),
  )
})
