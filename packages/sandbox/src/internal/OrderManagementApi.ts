/**
 * The part of the Order Management API (`/order-management/v2/{paymentType}/{orderId}`) that
 * shows an ePayment payment's `receipt` as the create sent it (epayment.md §5.1: the receipt
 * is an Order Management `Receipt`). Categories and adding receipts afterwards are not served.
 */
import { HttpRouter } from "@effect/platform"
import { Effect, Either } from "effect"
import { authorizePlatform } from "./AccessToken.js"
import { QrProblem, respondJson } from "./Http.js"
import { ePaymentOf, paymentKey } from "./Platform.js"
import type { PlatformOperation } from "./PlatformApi.js"
import { transact, type World } from "./World.js"

export const orderManagementBasePath = "/order-management/v2"

// Its ErrorResponse has the QR API's shape (`type, title, detail, instance, invalidParams`).
const orderNotFound = () =>
  new QrProblem({ status: 404, title: "Not Found", detail: "No order with this id" })

/**
 * `GET /order-management/v2/ECOM/{reference}`: `{receipt}`. ePayment payments are `ECOM`
 * ("use ECOM for both eCom API and ePayment API payments"). A payment created without a
 * receipt has no order lines to show; the documents are silent on that answer, and the
 * sandbox says 404 (the safe reading: nothing is there to show).
 */
const getOrder = (world: World) =>
  Effect.gen(function* () {
    const caller = yield* authorizePlatform(world, true)
    const params = yield* HttpRouter.params
    const orderId = params["orderId"] ?? ""
    if (params["paymentType"] !== "ECOM") return yield* orderNotFound()
    const receipt = yield* transact(world, (state) => {
      const payment = ePaymentOf(state.platform, paymentKey(caller.msn, orderId))
      return payment?.receipt === undefined
        ? Either.left(orderNotFound())
        : Either.right([payment.receipt, state] as const)
    })
    return respondJson({ receipt })
  })

export const orderManagementOperations = (world: World): ReadonlyArray<PlatformOperation> => [
  ["GET", `${orderManagementBasePath}/:paymentType/:orderId`, getOrder(world)],
]
