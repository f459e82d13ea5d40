/**
 * Where the Vipps MobilePay platform is: one base URL serves the Access Token, ePayment,
 * Webhooks and QR APIs (`/accesstoken/get`, `/epayment/v1`, `/webhooks/v1`, `/qr/v1`). Test and
 * production are separate systems: keys, sales units and registrations do not carry over.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"

/**
 * The base URL every Vipps MobilePay call goes to, without a trailing slash.
 *
 * @since 0.2.0
 * @category models
 */
export class VippsEnvironment extends Data.Class<{
  /** `test`, `production`, or `custom` for anything else (a local sandbox, a partner gateway). */
  readonly name: "test" | "production" | "custom"
  /** e.g. `https://apitest.vipps.no`. */
  readonly baseUrl: string
}> {}

/**
 * The test environment ("MT"), `https://apitest.vipps.no`: test keys, the test app, test data.
 *
 * @since 0.2.0
 * @category environments
 */
export const test: VippsEnvironment = new VippsEnvironment({
  name: "test",
  baseUrl: "https://apitest.vipps.no",
})

/**
 * Production, `https://api.vipps.no`.
 *
 * @since 0.2.0
 * @category environments
 */
export const production: VippsEnvironment = new VippsEnvironment({
  name: "production",
  baseUrl: "https://api.vipps.no",
})

/**
 * Any other base URL, e.g. a local sandbox (which serves all four APIs at its root).
 *
 * @example
 * import { VippsEnvironment } from "@effect-mobilepay/core"
 *
 * const local = VippsEnvironment.custom("http://127.0.0.1:4010")
 *
 * @since 0.2.0
 * @category environments
 */
export const custom = (baseUrl: string): VippsEnvironment =>
  new VippsEnvironment({ name: "custom", baseUrl: baseUrl.replace(/\/+$/, "") })
