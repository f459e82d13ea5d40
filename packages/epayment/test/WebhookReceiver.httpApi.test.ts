import { WebhookReceiver } from "@effect-mobilepay/epayment"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Effect, Layer, Redacted, Schema, Stream } from "effect"
import * as Crypto from "node:crypto"
import { createServer } from "node:http"

// A program's own HttpApi, with the receiver beside its endpoints on the same router.
const ShopApi = HttpApi.make("shop").add(
  HttpApiGroup.make("health").add(
    HttpApiEndpoint.get("health", "/health").addSuccess(Schema.String),
  ),
)
const HealthLive = HttpApiBuilder.group(ShopApi, "health", (handlers) =>
  handlers.handle("health", () => Effect.succeed("ok")),
)
const ReceiverRoute = HttpApiBuilder.Router.use((router) =>
  Effect.flatMap(WebhookReceiver.WebhookReceiver, (receiver) =>
    router.post("/hooks/vipps", receiver.handler),
  ),
)

const secret = "the-registrations-secret"

const signed = (body: string) => {
  const date = "Thu, 02 May 2024 09:10:11 GMT"
  const contentHash = Crypto.createHash("sha256").update(body).digest("base64")
  const signature = Crypto.createHmac("sha256", secret)
    .update(`POST\n/hooks/vipps\n${date};shop.example;${contentHash}`)
    .digest("base64")
  return {
    "x-ms-date": date,
    "x-ms-content-sha256": contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  }
}

describe("WebhookReceiver in an HttpApi", () => {
  it.scoped("is mounted on the HttpApi's router beside its endpoints", () =>
    Effect.gen(function* () {
      const receiverLayer = WebhookReceiver.layer({
        url: "https://shop.example/hooks/vipps",
        secrets: Redacted.make(secret),
      })
      const context = yield* Layer.build(
        HttpApiBuilder.serve().pipe(
          Layer.provide(ReceiverRoute),
          Layer.provide(HttpApiBuilder.api(ShopApi).pipe(Layer.provide(HealthLive))),
          Layer.provideMerge(receiverLayer),
          Layer.provideMerge(
            NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }),
          ),
        ),
      )
      const server = Context.get(context, HttpServer.HttpServer)
      const port = server.address._tag === "TcpAddress" ? server.address.port : 0
      const receiver = Context.get(context, WebhookReceiver.WebhookReceiver)
      const base = `http://127.0.0.1:${port}`
      const health = yield* Effect.promise(() => fetch(`${base}/health`).then((r) => r.json()))
      expect(health).toBe("ok")
      const body = JSON.stringify({
        msn: "123456",
        reference: "acme-1234-1",
        pspReference: "1",
        name: "CAPTURED",
        amount: { currency: "DKK", value: 100 },
        timestamp: "2024-05-02T09:10:11Z",
        success: true,
      })
      const deliver = (headers: Record<string, string>) =>
        Effect.promise(() =>
          fetch(`${base}/hooks/vipps`, { method: "POST", body, headers }).then((r) => r.status),
        )
      expect(
        yield* deliver({ ...signed(body), "x-ms-date": "Fri, 03 May 2024 09:10:11 GMT" }),
      ).toBe(401)
      expect(yield* deliver(signed(body))).toBe(200)
      const [event] = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Stream.take(receiver.events, 1)),
      )
      expect(event?._tag === "PaymentEvent" && event.name).toBe("CAPTURED")
    }),
  )
})
