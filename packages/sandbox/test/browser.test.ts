/**
 * The page in a real browser: Debian's Chromium driven by playwright-core. A till's payment is
 * started through the client packages (PoS V10 through @effect-mobilepay/pos, ePayment through
 * @effect-mobilepay/epayment), approved by clicking (or pressing Enter) on the phone page, and
 * seen captured on the merchant view; a callback-QR check-in is done by clicking "Scan".
 *
 * The clients are imported by path, not by package name: they list the sandbox as a dev
 * dependency, so it cannot list them (pnpm refuses to run a workspace's tasks in a cycle).
 *
 * With MOBILEPAY_SANDBOX_SCREENSHOTS=<dir> the tests also save the README's screenshots there.
 */
import {
  ClientCredentials,
  Environment,
  SalesUnitCredentials,
  VippsEnvironment,
  VippsSystem,
} from "../../core/src/index.js"
import { EPayment, EPaymentClient, QrClient, WebhooksClient } from "../../epayment/src/index.js"
import { MobilePay, PaymentFlow, PaymentJournal, PointOfSaleFlow } from "../../pos/src/index.js"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Queue } from "effect"
import { join } from "node:path"
import { chromium, type Page } from "playwright-core"
import { Sandbox, SeedData } from "../src/index.js"
import { startReceiver } from "./support/Receiver.js"

const executablePath = process.env["MOBILEPAY_TEST_CHROMIUM"] ?? "/usr/bin/chromium"
const screenshots = process.env["MOBILEPAY_SANDBOX_SCREENSHOTS"]

// A browser per test, closed with the test: nothing of one test outlives it.
const launch = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }),
  ),
  (browser) => Effect.promise(() => browser.close()),
)

/** The sandbox's page in a new browser context, once it has shown the first view. */
const openPage = (url: string) =>
  Effect.gen(function* () {
    const browser = yield* launch
    const context = yield* Effect.acquireRelease(
      Effect.promise(() => browser.newContext({ viewport: { width: 1280, height: 860 } })),
      (context) => Effect.promise(() => context.close()),
    )
    context.setDefaultTimeout(10_000)
    const page = yield* Effect.promise(() => context.newPage())
    yield* Effect.promise(() => page.goto(url))
    yield* Effect.promise(() => page.locator("body[data-ready=true]").waitFor())
    return page
  })

const browse = <A>(f: () => Promise<A>) => Effect.promise(f)

const screenshot = (page: Page, name: string) =>
  screenshots === undefined
    ? Effect.void
    : browse(() => page.screenshot({ path: join(screenshots, name), fullPage: false }))

const system = new VippsSystem.VippsSystem({
  name: VippsSystem.SystemValue.make("sandbox-page-test"),
  version: VippsSystem.SystemValue.make("1.0.0"),
})

/** The ePayment, Webhooks and QR clients of the Danish demo shop against `sandbox`. */
const ePaymentClients = (sandbox: Sandbox.Sandbox.Service) =>
  Effect.flatMap(SalesUnitCredentials.make(SeedData.demoShopDk), (credentials) =>
    Layer.build(
      EPayment.layer({
        environment: VippsEnvironment.custom(sandbox.baseUrl),
        credentials,
        system,
        merchantSerialNumber: SeedData.demoShopDk.msn,
      }).pipe(Layer.provide(NodeHttpClient.layerUndici)),
    ),
  )

// A busy machine starts a browser and a page slowly; what the tests assert is the page.
const timeout = 20_000

const anna = SeedData.platformUsers[0]?.phoneNumber ?? ""

// In real time (scopedLive): the browser does not run on the TestClock, so neither do the sandbox
// and the clients it talks to (their timeouts and polling would wait forever).
describe("the page in Chromium", () => {
  it.scopedLive(
    "PoS V10: the till's payment, checked in and approved on the phone, is Captured on the merchant view",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ page: true, pollDelay: "50 millis" })
        const merchant = SeedData.selfCertificationMerchant
        const customer = SeedData.testUsers[0]?.phoneNumber ?? ""
        const clients = yield* Layer.build(
          Layer.merge(
            MobilePay.layer({
              credentials: yield* ClientCredentials.make(SeedData.integratorA),
              environment: Environment.custom({
                authUrl: sandbox.authUrl,
                posUrl: sandbox.posUrl,
                userSimulationUrl: sandbox.userSimulationUrl,
              }),
              clientSystemVersion: "1.0.0",
              merchantVat: merchant.vat,
            }),
            PaymentJournal.layerMemory,
          ).pipe(Layer.provide(NodeHttpClient.layerUndici)),
        )
        const till = yield* PointOfSaleFlow.ensurePos({
          merchantPosId: "page-till-1",
          storeId: merchant.stores[0]?.storeId ?? "",
          name: "Till 1",
          supportedBeaconTypes: ["QR"],
        }).pipe(Effect.provide(clients))
        const sale = yield* Effect.fork(
          PaymentFlow.payAndCapture(
            {
              posId: till.posId,
              orderId: "page-order-1",
              amount: 125.5,
              currencyCode: "DKK",
              plannedCaptureDelay: "None",
            },
            { customerTimeout: "20 seconds" },
          ).pipe(Effect.provide(clients)),
        )

        const page = yield* openPage(sandbox.pageUrl ?? "")
        yield* browse(() => page.selectOption("#user", `v10:${customer}`))
        // The customer scans the till's QR sticker (checks in on its beacon) ...
        yield* browse(() =>
          page
            .locator(`li.till[data-beacon="${till.beaconId}"]`)
            .getByRole("button", { name: "Scan (check in)" })
            .click(),
        )
        // ... the request shows on the phone with its amount, and is approved.
        const request = page.locator("li.request")
        yield* browse(() => request.getByText("125.50 DKK").waitFor())
        yield* screenshot(page, "sandbox-page-v10.png")
        yield* browse(() => request.getByRole("button", { name: "Approve" }).click())

        const outcome = yield* Fiber.join(sale)
        expect(outcome._tag).toBe("Captured")
        const row = page.locator(
          `#merchant-views tr[data-payment-id="${outcome.paymentId}"][data-status="Captured"]`,
        )
        yield* browse(() => row.waitFor())
        expect(yield* browse(() => row.locator("td.state").textContent())).toBe("Captured")
        expect(yield* browse(() => row.textContent())).toContain("125.50 DKK")
        // The page acted through the user simulation's routes, as a program would; its own
        // reads (the page, its view, the browser's favicon) are not in the request log.
        const paths = (yield* sandbox.requests).map((request) => request.path)
        expect(paths).toContain("/pos/app/usersimulation/checkin")
        expect(paths).toContain("/pos/app/usersimulation/acceptpayment")
        expect(paths.filter((path) => path === "/" || path.startsWith("/sandbox/v1/view"))).toEqual(
          [],
        )
        expect(paths).not.toContain("/favicon.ico")
      }),
    timeout,
  )

  it.scopedLive(
    "ePayment: a pushed request approved from the keyboard is captured in the aggregate on the merchant view",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ page: true })
        const clients = yield* ePaymentClients(sandbox)
        const client = yield* Effect.provide(EPaymentClient.EPaymentClient, clients)
        const page = yield* openPage(sandbox.pageUrl ?? "")
        yield* browse(() => page.selectOption("#user", `ep:${anna}`))

        yield* client.create({
          amount: { currency: "DKK", value: 12550 },
          paymentMethod: { type: "WALLET" },
          reference: "page-push-1",
          userFlow: "PUSH_MESSAGE",
          customer: { phoneNumber: anna },
          customerInteraction: "CUSTOMER_PRESENT",
          paymentDescription: "Coffee and a cinnamon bun",
        })
        const approve = page
          .locator('li.request[data-reference="page-push-1"]')
          .getByRole("button", { name: "Approve" })
        yield* browse(() => approve.focus())
        yield* browse(() => page.keyboard.press("Enter"))

        const row = page.locator('#merchant-views tr[data-reference="page-push-1"]')
        yield* browse(() =>
          page
            .locator('#merchant-views tr[data-reference="page-push-1"][data-state="AUTHORIZED"]')
            .waitFor(),
        )
        const authorized = yield* client.get("page-push-1")
        expect(authorized.state).toBe("AUTHORIZED")
        yield* client.capture("page-push-1", { currency: "DKK", value: 12550 })

        yield* browse(() =>
          page
            .locator('#merchant-views tr[data-reference="page-push-1"][data-captured="12550"]')
            .waitFor(),
        )
        expect(yield* browse(() => row.locator("td.state").textContent())).toBe("Authorized")
        expect(yield* browse(() => row.locator("td.aggregate").textContent())).toContain(
          "captured 125.50 DKK",
        )
        yield* screenshot(page, "sandbox-page-epayment.png")
      }),
    timeout,
  )

  it.scopedLive(
    "ePayment: the phone scans a till's dynamic QR, and the request it shows is approved",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ page: true })
        const clients = yield* ePaymentClients(sandbox)
        const client = yield* Effect.provide(EPaymentClient.EPaymentClient, clients)
        yield* client.create({
          amount: { currency: "DKK", value: 4500 },
          paymentMethod: { type: "WALLET" },
          reference: "page-qr-1",
          userFlow: "QR",
          qrFormat: { format: "IMAGE/SVG+XML" },
          customerInteraction: "CUSTOMER_PRESENT",
          paymentDescription: "Parking, 2 hours",
        })
        const page = yield* openPage(sandbox.pageUrl ?? "")
        yield* browse(() => page.selectOption("#user", `ep:${anna}`))
        const qr = page.locator('li.till[data-qr-reference="page-qr-1"]')
        // The till's screen shows the payment's QR: an image whose code is the payment's link.
        const src = yield* browse(() => qr.locator("img").getAttribute("src"))
        const image = yield* Effect.promise(() =>
          fetch(`${sandbox.baseUrl}${src ?? ""}`).then((response) => response.text()),
        )
        expect(image).toMatch(/data-target="http:\/\/127\.0\.0\.1:\d+\/sandbox\/v1\/pay\?token=/)
        yield* browse(() => qr.getByRole("button", { name: "Scan" }).click())
        yield* browse(() =>
          page
            .locator('li.request[data-reference="page-qr-1"]')
            .getByRole("button", { name: "Approve" })
            .click(),
        )
        yield* browse(() =>
          page
            .locator('#merchant-views tr[data-reference="page-qr-1"][data-state="AUTHORIZED"]')
            .waitFor(),
        )
        expect((yield* client.get("page-qr-1")).state).toBe("AUTHORIZED")
      }),
    timeout,
  )

  it.scopedLive(
    "controls: a fault rule typed in marks the request it hits, and is cleared; the clock moves forward",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ page: true })
        const page = yield* openPage(sandbox.pageUrl ?? "")
        yield* browse(() =>
          page.getByLabel("Rule", { exact: true }).fill("GET /pos/v10/stores=503x1"),
        )
        yield* browse(() => page.getByLabel("Rule", { exact: true }).press("Enter"))
        yield* browse(() =>
          page.locator("#faults").getByText("GET /pos/v10/stores=503x1").waitFor(),
        )
        const answer = yield* Effect.promise(() =>
          fetch(`${sandbox.posUrl}/stores`).then((response) => response.status),
        )
        expect(answer).toBe(503)
        yield* browse(() =>
          page
            .locator('#merchant-views tr.faulted[data-path="/pos/v10/stores"]')
            .getByText("fault: Unavailable")
            .waitFor(),
        )
        yield* browse(() => page.getByRole("button", { name: "Clear all rules" }).click())
        yield* browse(() => page.locator("#faults").getByText("No fault rules").waitFor())
        expect(yield* sandbox.requests).toHaveLength(1)

        yield* browse(() => page.getByRole("button", { name: "+10 minutes" }).click())
        yield* browse(() => page.locator("#offset").getByText("moved forward 600 s").waitFor())
      }),
    timeout,
  )

  it.scopedLive(
    "ePayment: clicking Scan on a callback-QR sticker checks the customer in",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* Sandbox.make({ page: true })
        const clients = yield* ePaymentClients(sandbox)
        const webhooks = yield* Effect.provide(WebhooksClient.WebhooksClient, clients)
        const qr = yield* Effect.provide(QrClient.QrClient, clients)
        const receiver = yield* startReceiver()
        yield* webhooks.register({ url: `${receiver.url}/hooks`, events: ["user.checked-in.v1"] })
        yield* qr.putCallbackQr("till-7", { locationDescription: "Till 7", category: "IN_STORE" })

        const page = yield* openPage(sandbox.pageUrl ?? "")
        yield* browse(() => page.selectOption("#user", `ep:${anna}`))
        yield* browse(() =>
          page
            .locator('li.till[data-merchant-qr-id="till-7"]')
            .getByRole("button", { name: "Scan (check in)" })
            .click(),
        )

        // The shop's webhook hears who checked in where, and the page shows the delivery.
        const delivery = yield* Queue.take(receiver.received)
        expect(JSON.parse(delivery.body)).toMatchObject({
          merchantQrId: "till-7",
          msn: SeedData.demoShopDk.msn,
        })
        yield* browse(() =>
          page
            .locator(
              '#merchant-views tr[data-event="user.checked-in.v1"][data-outcome="delivered"]',
            )
            .waitFor(),
        )
        yield* browse(() => page.getByRole("status").getByText("Scanned Till 7").waitFor())
      }),
    timeout,
  )
})
