import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { Sandbox, SeedData } from "../src/index.js"
import { field, json, send } from "./support/Http.js"
import { expectProblem, platformCaller, type PlatformCaller } from "./support/Platform.js"

const { demoShopDk, demoShopFi, demoKioskDk } = SeedData
const dkUser = "4512345601"

const pushBody = (reference: string, overrides: Record<string, unknown> = {}) => ({
  amount: { currency: "DKK", value: 1250 },
  paymentMethod: { type: "WALLET" },
  reference,
  userFlow: "PUSH_MESSAGE",
  customer: { phoneNumber: dkUser },
  customerInteraction: "CUSTOMER_PRESENT",
  paymentDescription: "Coffee and cake",
  ...overrides,
})

const create = (shop: PlatformCaller, body: unknown, idempotencyKey?: string) =>
  shop.call("POST", "/epayment/v1/payments", {
    json: body,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  })

const get = (shop: PlatformCaller, reference: string) =>
  Effect.map(shop.call("GET", `/epayment/v1/payments/${reference}`), json)

const modify = (
  shop: PlatformCaller,
  reference: string,
  operation: "capture" | "refund" | "cancel",
  body?: unknown,
  idempotencyKey?: string,
) =>
  shop.call("POST", `/epayment/v1/payments/${reference}/${operation}`, {
    ...(body === undefined ? {} : { json: body }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  })

const dkk = (value: number) => ({ modificationAmount: { currency: "DKK", value } })

const forceApprove = (shop: PlatformCaller, reference: string, body: unknown = {}) =>
  shop.call("POST", `/epayment/v1/test/payments/${reference}/approve`, {
    json: body,
    idempotencyKey: false,
  })

const setup = (options: Sandbox.SandboxOptions = {}) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox.make({ accessTokenLifetime: Duration.days(400), ...options })
    const shop = yield* platformCaller(sandbox, demoShopDk)
    return { sandbox, shop }
  })

describe("ePayment: the state machine and aggregates", () => {
  it.scoped("create → approve → two partial captures → refund → cancel the rest", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      const created = yield* create(shop, pushBody("acme-0001-1"))
      expect(created.status).toBe(201)
      expect(json(created)).toEqual({ reference: "acme-0001-1" })
      expect(yield* get(shop, "acme-0001-1")).toMatchObject({
        state: "CREATED",
        amount: { currency: "DKK", value: 1250 },
        paymentMethod: { type: "WALLET" },
        aggregate: {
          authorizedAmount: { currency: "DKK", value: 0 },
          capturedAmount: { currency: "DKK", value: 0 },
        },
      })
      expect((yield* forceApprove(shop, "acme-0001-1")).status).toBe(200)
      const captured = yield* modify(shop, "acme-0001-1", "capture", dkk(500))
      expect(json(captured)).toMatchObject({
        state: "AUTHORIZED",
        reference: "acme-0001-1",
        aggregate: {
          authorizedAmount: { value: 1250 },
          capturedAmount: { value: 500 },
          cancelledAmount: { value: 0 },
        },
      })
      yield* modify(shop, "acme-0001-1", "capture", dkk(250))
      yield* modify(shop, "acme-0001-1", "refund", dkk(100))
      const cancelled = yield* modify(shop, "acme-0001-1", "cancel")
      expect(json(cancelled)).toMatchObject({
        state: "AUTHORIZED",
        aggregate: {
          authorizedAmount: { value: 1250 },
          capturedAmount: { value: 750 },
          cancelledAmount: { value: 500 },
          refundedAmount: { value: 100 },
        },
      })
      const payment = yield* get(shop, "acme-0001-1")
      expect(payment).toMatchObject({ captureGuaranteedUntil: expect.any(String) })
      const events = json(yield* shop.call("GET", "/epayment/v1/payments/acme-0001-1/events"))
      expect(
        (events as ReadonlyArray<{ name: string; amount: { value: number } }>).map((e) => [
          e.name,
          e.amount.value,
        ]),
      ).toEqual([
        ["CREATED", 1250],
        ["AUTHORIZED", 1250],
        ["CAPTURED", 500],
        ["CAPTURED", 250],
        ["REFUNDED", 100],
        ["CANCELLED", 500],
      ])
    }),
  )

  it.scoped("the receipt sent with the create is kept: Order Management and the app show it", () =>
    Effect.gen(function* () {
      const { sandbox, shop } = yield* setup()
      const receipt = {
        orderLines: [
          {
            name: "Cappuccino",
            id: "sku-1",
            totalAmount: 1250,
            totalAmountExcludingTax: 1000,
            totalTaxAmount: 250,
            taxPercentage: 25,
          },
        ],
        bottomLine: { currency: "DKK", posId: "till-1", receiptNumber: "0042" },
      }
      const created = yield* create(shop, pushBody("receipt-0001", { receipt }))
      expect([created.status, json(created)]).toEqual([201, { reference: "receipt-0001" }])
      const order = yield* shop.call("GET", "/order-management/v2/ECOM/receipt-0001")
      expect([order.status, json(order)]).toEqual([200, { receipt }])
      const pending = yield* send("GET", `${sandbox.customerUrl}/requests?phoneNumber=${dkUser}`)
      expect(json(pending)).toMatchObject([{ reference: "receipt-0001", receipt }])
      // Without a receipt (or for another MSN) there is no order to show.
      yield* create(shop, pushBody("receipt-0002"))
      expect((yield* shop.call("GET", "/order-management/v2/ECOM/receipt-0002")).status).toBe(404)
      const fi = yield* platformCaller(sandbox, demoShopFi)
      expect((yield* fi.call("GET", "/order-management/v2/ECOM/receipt-0001")).status).toBe(404)
    }),
  )

  it.scoped("a payment nobody acts on expires after 10 minutes (TestClock)", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      yield* create(shop, pushBody("acme-0002-1"))
      yield* TestClock.adjust(Duration.millis(10 * 60 * 1000 - 1))
      expect(yield* get(shop, "acme-0002-1")).toMatchObject({ state: "CREATED" })
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* get(shop, "acme-0002-1")).toMatchObject({ state: "EXPIRED" })
      expectProblem(yield* forceApprove(shop, "acme-0002-1"), 400, "10010")
      expectProblem(yield* modify(shop, "acme-0002-1", "cancel"), 400, "6050")
      const events = json(yield* shop.call("GET", "/epayment/v1/payments/acme-0002-1/events"))
      expect((events as ReadonlyArray<{ name: string }>).map((e) => e.name)).toEqual([
        "CREATED",
        "EXPIRED",
      ])
    }),
  )

  it.scoped(
    "cancel: TERMINATED before approval; cancelTransactionOnly after approval is 6060",
    () =>
      Effect.gen(function* () {
        const { shop } = yield* setup()
        yield* create(shop, pushBody("acme-0003-1"))
        const terminated = yield* modify(shop, "acme-0003-1", "cancel", {
          cancelTransactionOnly: true,
        })
        expect(json(terminated)).toMatchObject({
          state: "TERMINATED",
          aggregate: { cancelledAmount: { value: 1250 }, authorizedAmount: { value: 0 } },
        })
        expectProblem(yield* forceApprove(shop, "acme-0003-1"), 400, "10010")
        // The customer approves before the till's cancel arrives.
        yield* create(shop, pushBody("acme-0004-1"))
        yield* forceApprove(shop, "acme-0004-1")
        expectProblem(
          yield* modify(shop, "acme-0004-1", "cancel", { cancelTransactionOnly: true }),
          400,
          "6060",
        )
        expect(yield* get(shop, "acme-0004-1")).toMatchObject({
          state: "AUTHORIZED",
          aggregate: { cancelledAmount: { value: 0 } },
        })
        yield* modify(shop, "acme-0004-1", "capture", dkk(1250))
        expectProblem(yield* modify(shop, "acme-0004-1", "cancel"), 400, "6040")
      }),
  )

  it.scoped("capture rules: 6080, 6090, 6070, 6140; refund rules: 6020, 6150", () =>
    Effect.gen(function* () {
      const { sandbox, shop } = yield* setup()
      yield* create(shop, pushBody("acme-0005-1"))
      expectProblem(yield* modify(shop, "acme-0005-1", "capture", dkk(100)), 400, "6080")
      expectProblem(yield* modify(shop, "acme-0005-1", "refund", dkk(100)), 400, "6020")
      yield* forceApprove(shop, "acme-0005-1")
      expectProblem(yield* modify(shop, "acme-0005-1", "capture", dkk(1251)), 400, "6090")
      expectProblem(yield* modify(shop, "acme-0005-1", "refund", dkk(1)), 400, "6150")
      yield* create(shop, pushBody("acme-0006-1"))
      yield* forceApprove(shop, "acme-0006-1")
      yield* modify(shop, "acme-0006-1", "cancel")
      expectProblem(yield* modify(shop, "acme-0006-1", "capture", dkk(1)), 400, "6070")
      const kiosk = yield* platformCaller(sandbox, demoKioskDk)
      yield* create(kiosk, { ...pushBody("kiosk-0001-1"), userFlow: "QR", customer: undefined })
      yield* forceApprove(kiosk, "kiosk-0001-1", { customer: { phoneNumber: dkUser } })
      expectProblem(yield* modify(kiosk, "kiosk-0001-1", "capture", dkk(100)), 400, "6140")
      expect((yield* modify(kiosk, "kiosk-0001-1", "capture", dkk(1250))).status).toBe(200)
    }),
  )

  it.scoped("the capture deadline: 14 days after authorization (6100), cancel too (6030)", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      yield* create(shop, pushBody("acme-0007-1"))
      yield* forceApprove(shop, "acme-0007-1")
      yield* TestClock.adjust(Duration.days(14))
      yield* modify(shop, "acme-0007-1", "capture", dkk(100))
      yield* TestClock.adjust(Duration.millis(1))
      expectProblem(yield* modify(shop, "acme-0007-1", "capture", dkk(100)), 400, "6100")
      expectProblem(yield* modify(shop, "acme-0007-1", "cancel"), 400, "6030")
      expect((yield* modify(shop, "acme-0007-1", "refund", dkk(100))).status).toBe(200)
    }),
  )

  it.scoped("the force-failure amounts of the test environment refuse the approval", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      yield* create(shop, pushBody("acme-0008-1", { amount: { currency: "DKK", value: 151 } }))
      expectProblem(yield* forceApprove(shop, "acme-0008-1"), 400, "10010")
      expect(yield* get(shop, "acme-0008-1")).toMatchObject({ state: "CREATED" })
      yield* create(shop, pushBody("acme-0009-1", { amount: { currency: "DKK", value: 1000 } }))
      yield* forceApprove(shop, "acme-0009-1")
      yield* modify(shop, "acme-0009-1", "capture", dkk(1000))
      expectProblem(yield* modify(shop, "acme-0009-1", "refund", dkk(123)), 400, "5100")
      expectProblem(yield* modify(shop, "acme-0009-1", "refund", dkk(124)), 400, "6220")
    }),
  )
})

describe("ePayment: idempotency and references", () => {
  it.scoped("same key and body: the same answer; another body: 409 with the conflict code", () =>
    Effect.gen(function* () {
      // Replays count against the 5 modifications a minute, too.
      const { sandbox, shop } = yield* setup({ rateLimits: { modifications: 100 } })
      const first = yield* create(shop, pushBody("acme-0010-1"), "key-create-1")
      const again = yield* create(shop, pushBody("acme-0010-1"), "key-create-1")
      expect([again.status, again.text]).toEqual([first.status, first.text])
      expectProblem(yield* create(shop, pushBody("acme-0010-2"), "key-create-1"), 409, "4020")
      // A new key for a used reference: 4150.
      expectProblem(yield* create(shop, pushBody("acme-0010-1"), "key-create-2"), 409, "4150")
      yield* forceApprove(shop, "acme-0010-1")
      const capture = yield* modify(shop, "acme-0010-1", "capture", dkk(100), "key-capture-1")
      const replay = yield* modify(shop, "acme-0010-1", "capture", dkk(100), "key-capture-1")
      expect(replay.text).toBe(capture.text)
      expect(yield* get(shop, "acme-0010-1")).toMatchObject({
        aggregate: { capturedAmount: { value: 100 } },
      })
      expectProblem(
        yield* modify(shop, "acme-0010-1", "capture", dkk(200), "key-capture-1"),
        409,
        "4010",
      )
      // The same reference under another MSN is another payment.
      const fi = yield* platformCaller(sandbox, demoShopFi)
      const fiBody = pushBody("acme-0010-1", {
        amount: { currency: "EUR", value: 100 },
        customer: { phoneNumber: "358401234501" },
      })
      expect((yield* create(fi, fiBody)).status).toBe(201)
      expectProblem(yield* fi.call("GET", "/epayment/v1/payments/acme-0010-2"), 404, "5090")
    }),
  )

  it.scoped("a refusal stays the answer for its key; a corrected request needs a new key", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      yield* create(shop, pushBody("acme-0011-1"))
      yield* forceApprove(shop, "acme-0011-1")
      expectProblem(yield* modify(shop, "acme-0011-1", "capture", dkk(5000), "k-1"), 400, "6090")
      expectProblem(yield* modify(shop, "acme-0011-1", "capture", dkk(5000), "k-1"), 400, "6090")
      expect((yield* modify(shop, "acme-0011-1", "capture", dkk(500), "k-2")).status).toBe(200)
    }),
  )
})

describe("ePayment: validation", () => {
  it.scoped("every create rule, with its status and ErrorCode", () =>
    Effect.gen(function* () {
      // expiresAt is measured from the sandbox's Clock: start it at the wall clock's time.
      const start = Date.now()
      yield* TestClock.setTime(start)
      const { sandbox, shop } = yield* setup({ rateLimits: { modifications: 1000 } })
      const refused = (body: unknown, status: number, code?: string) =>
        Effect.map(create(shop, body), (reply) => expectProblem(reply, status, code))
      const ref = "acme-0100-1"
      const unknownField = yield* create(shop, { ...pushBody(ref), tip: 1 })
      expectProblem(unknownField, 400)
      expect(JSON.stringify(json(unknownField))).toContain("tip")
      yield* refused({ ...pushBody(ref), customer: { phoneNumber: dkUser, extra: 1 } }, 400)
      yield* refused(pushBody("short"), 400)
      yield* refused(pushBody("has_underscore"), 400)
      yield* refused(pushBody("x".repeat(65)), 400)
      yield* refused(pushBody(ref, { amount: { currency: "DKK", value: 12.5 } }), 400, "4040")
      yield* refused(pushBody(ref, { amount: { currency: "DKK", value: "1250" } }), 400, "4040")
      yield* refused(pushBody(ref, { amount: { currency: "EUR", value: 1250 } }), 400, "5040")
      yield* refused(pushBody(ref, { amount: { currency: "DKK", value: 0 } }), 400, "6010")
      yield* refused(pushBody(ref, { customer: { phoneNumber: "+4512345601" } }), 400, "4070")
      yield* refused(pushBody(ref, { customer: { phoneNumber: "4599999999" } }), 400, "7010")
      yield* refused(pushBody(ref, { customer: { phoneNumber: "358401234501" } }), 400, "7010")
      yield* refused(
        pushBody(ref, { customer: { phoneNumber: dkUser, personalQr: "abcdef" } }),
        400,
      )
      yield* refused(pushBody(ref, { customer: undefined }), 400, "4140")
      yield* refused(pushBody(ref, { customer: { personalQr: "not-a-real-qr" } }), 400, "4060")
      yield* refused(
        pushBody(ref, { customer: { customerToken: "bm90LWEtdG9rZW4=" } }),
        400,
        "4050",
      )
      yield* refused(pushBody(ref, { qrFormat: { format: "IMAGE/PNG" } }), 400)
      yield* refused(
        {
          ...pushBody(ref),
          userFlow: "QR",
          customer: undefined,
          qrFormat: { format: "IMAGE/SVG+XML", size: 200 },
        },
        400,
      )
      yield* refused(pushBody(ref, { paymentMethod: { type: "CARD" } }), 400, "4160")
      yield* refused(
        { ...pushBody(ref), userFlow: "WEB_REDIRECT", customer: undefined },
        400,
        "4140",
      )
      yield* refused(pushBody(ref, { paymentDescription: "ab" }), 400)
      const six = Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`k${n}`, "v"]))
      yield* refused(pushBody(ref, { metadata: six }), 400, "4100")
      yield* refused(pushBody(ref, { metadata: { ["k".repeat(101)]: "v" } }), 400, "4110")
      yield* refused(pushBody(ref, { metadata: { k: "v".repeat(501) } }), 400, "4120")
      yield* refused(pushBody(ref, { metadata: { k: 1 } }), 400)
      const receipt = { orderLines: [], bottomLine: { currency: "DKK" } }
      const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString()
      yield* refused(pushBody(ref, { expiresAt: at(10), receipt }), 400, "6120")
      yield* refused(pushBody(ref, { expiresAt: at(61 * 24 * 60), receipt }), 400, "6110")
      yield* refused(pushBody(ref, { expiresAt: at(30) }), 400, "6130")
      yield* refused(pushBody(ref, { expiresAt: "tomorrow", receipt }), 400)
      const fi = yield* platformCaller(sandbox, demoShopFi)
      const fiBody = pushBody(ref, {
        amount: { currency: "EUR", value: 100 },
        customer: { phoneNumber: "358401234501" },
        expiresAt: at(30),
        receipt,
      })
      expectProblem(yield* create(fi, fiBody), 403, "5050")
      const kiosk = yield* platformCaller(sandbox, demoKioskDk)
      expectProblem(yield* create(kiosk, pushBody(ref)), 403, "5080")
      // A long-living payment lives past 10 minutes.
      expect((yield* create(shop, pushBody(ref, { expiresAt: at(30), receipt }))).status).toBe(201)
      yield* TestClock.adjust(Duration.minutes(20))
      expect(yield* get(shop, ref)).toMatchObject({ state: "CREATED" })
      yield* TestClock.adjust(Duration.minutes(10))
      expect(yield* get(shop, ref)).toMatchObject({ state: "EXPIRED" })
      expect(yield* sandbox.issuedTokens).toBeGreaterThan(0)
    }),
  )

  it.scoped("headers: Idempotency-Key on the four POSTs, the MSN, and a body that is JSON", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      expectProblem(
        yield* shop.call("POST", "/epayment/v1/payments", {
          json: pushBody("acme-0200-1"),
          idempotencyKey: false,
        }),
        400,
      )
      expectProblem(yield* create(shop, pushBody("acme-0200-1"), "k".repeat(51)), 400)
      expectProblem(
        yield* shop.call("GET", "/epayment/v1/payments/acme-0200-1", {
          headers: { "merchant-serial-number": "" },
        }),
        400,
      )
      expectProblem(
        yield* shop.call("POST", "/epayment/v1/payments", {
          body: "{not json",
          headers: { "content-type": "application/json" },
        }),
        400,
      )
      expectProblem(
        yield* shop.call("POST", "/epayment/v1/payments", {
          json: pushBody("acme-0200-1"),
          headers: { "vipps-system-name": "x".repeat(31) },
        }),
        400,
      )
      expectProblem(yield* shop.call("GET", "/epayment/v1/payments/short"), 400)
      const noToken = yield* shop.call("GET", "/epayment/v1/payments/acme-0200-1", {
        headers: { authorization: "" },
      })
      expect(noToken.status).toBe(401)
    }),
  )
})

describe("ePayment: rate limits (§8)", () => {
  it.scoped("5 modifications per minute per reference and MSN, then 429 with Retry-After", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      yield* create(shop, pushBody("acme-0300-1"))
      yield* forceApprove(shop, "acme-0300-1")
      for (let i = 0; i < 4; i++) {
        expect((yield* modify(shop, "acme-0300-1", "capture", dkk(10))).status).toBe(200)
      }
      const limited = yield* modify(shop, "acme-0300-1", "capture", dkk(10))
      expectProblem(limited, 429)
      expect(limited.headers["retry-after"]).toBe("60")
      // Another payment has its own window.
      expect((yield* create(shop, pushBody("acme-0300-2"))).status).toBe(201)
      yield* TestClock.adjust(Duration.seconds(59))
      expectProblem(yield* modify(shop, "acme-0300-1", "capture", dkk(10)), 429)
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* modify(shop, "acme-0300-1", "capture", dkk(10))).status).toBe(200)
      expect(yield* get(shop, "acme-0300-1")).toMatchObject({
        aggregate: { capturedAmount: { value: 50 } },
      })
    }),
  )

  it.scoped("120 gets per minute per reference and subscription key", () =>
    Effect.gen(function* () {
      const { shop } = yield* setup()
      yield* create(shop, pushBody("acme-0301-1"))
      for (let i = 0; i < 120; i++) {
        const reply = yield* shop.call(
          "GET",
          `/epayment/v1/payments/acme-0301-1${i % 2 === 0 ? "" : "/events"}`,
        )
        expect(reply.status).toBe(200)
      }
      expectProblem(yield* shop.call("GET", "/epayment/v1/payments/acme-0301-1"), 429)
      yield* TestClock.adjust(Duration.minutes(1))
      expect((yield* shop.call("GET", "/epayment/v1/payments/acme-0301-1")).status).toBe(200)
      expect(field(yield* shop.call("GET", "/epayment/v1/payments/acme-0301-1"), "state")).toBe(
        "CREATED",
      )
    }),
  )
})
