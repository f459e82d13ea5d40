import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { field, json } from "./support/Http.js"
import { expectProblem, platformCaller } from "./support/Platform.js"

const { demoShopDk, demoShopFi } = SeedData

describe("Webhooks API: registrations", () => {
  it.scoped("register returns an id and a one-time secret; list and delete are per MSN", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const dk = yield* platformCaller(sandbox, demoShopDk)
      const fi = yield* platformCaller(sandbox, demoShopFi)
      const registered = yield* dk.call("POST", "/webhooks/v1/webhooks", {
        json: { url: "http://127.0.0.1:9/hook", events: ["epayments.payment.authorized.v1"] },
      })
      expect(registered.status).toBe(201)
      const id = String(field(registered, "id"))
      expect(String(field(registered, "secret")).length).toBeGreaterThan(40)
      const listed = yield* dk.call("GET", "/webhooks/v1/webhooks")
      expect(json(listed)).toEqual({
        webhooks: [
          { id, url: "http://127.0.0.1:9/hook", events: ["epayments.payment.authorized.v1"] },
        ],
      })
      expect(listed.text).not.toContain(String(field(registered, "secret")))
      expect(json(yield* fi.call("GET", "/webhooks/v1/webhooks"))).toEqual({ webhooks: [] })
      expectProblem(yield* fi.call("DELETE", `/webhooks/v1/webhooks/${id}`), 404)
      expect((yield* dk.call("DELETE", `/webhooks/v1/webhooks/${id}`)).status).toBe(204)
      expect(json(yield* dk.call("GET", "/webhooks/v1/webhooks"))).toEqual({ webhooks: [] })
    }),
  )

  it.scoped("refuses non-HTTPS public URLs, unknown events, unknown fields and the limits", () =>
    Effect.gen(function* () {
      const sandbox = yield* Sandbox.make()
      const dk = yield* platformCaller(sandbox, demoShopDk)
      const register = (body: unknown) => dk.call("POST", "/webhooks/v1/webhooks", { json: body })
      const events = ["user.checked-in.v1"]
      expectProblem(yield* register({ url: "http://example.com/hook", events }), 400)
      expectProblem(yield* register({ url: "https://example.com/hook", events: ["x.v1"] }), 400)
      expectProblem(yield* register({ url: "https://example.com/hook", events: [] }), 400)
      const extra = yield* register({ url: "https://example.com/hook", events, extra: 1 })
      expectProblem(extra, 400)
      expect(JSON.stringify(json(extra))).toContain("extra")
      expect((yield* register({ url: "https://example.com/a", events })).status).toBe(201)
      // One user.checked-in.v1 registration per sales unit.
      expectProblem(yield* register({ url: "https://example.com/b", events }), 400)
      const authorized = ["epayments.payment.authorized.v1"]
      for (let i = 0; i < 25; i++) {
        expect(
          (yield* register({ url: `https://example.com/${i}`, events: authorized })).status,
        ).toBe(201)
      }
      expectProblem(yield* register({ url: "https://example.com/26", events: authorized }), 400)
    }),
  )
})
