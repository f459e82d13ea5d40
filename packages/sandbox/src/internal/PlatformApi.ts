/**
 * Every route of the Vipps MobilePay platform the sandbox serves (ePayment, Webhooks, QR, Order
 * Management's receipts and the sandbox-only simulated customer), one file per resource.
 */
import type { HttpRouter } from "@effect/platform"
import type { Effect } from "effect"
import type { HttpServerResponse, HttpServerRequest } from "@effect/platform"
import type { Incoming, Refusal } from "./Http.js"
import { customerOperations } from "./Customer.js"
import { ePaymentOperations } from "./EPaymentApi.js"
import { orderManagementOperations } from "./OrderManagementApi.js"
import { qrOperations } from "./QrApi.js"
import { webhookOperations } from "./WebhooksApi.js"
import type { World } from "./World.js"

export type PlatformHandler = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  Refusal,
  Incoming | HttpRouter.RouteContext | HttpServerRequest.HttpServerRequest
>

export type PlatformOperation = readonly [
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: HttpRouter.PathInput,
  handler: PlatformHandler,
]

export const platformOperations = (world: World): ReadonlyArray<PlatformOperation> => [
  ...ePaymentOperations(world),
  ...webhookOperations(world),
  ...qrOperations(world),
  ...orderManagementOperations(world),
  ...customerOperations(world),
]
