/**
 * Where MobilePay is: the Integrator Authentication base URL and the PoS V10 base URL, set
 * separately because self-certification and local testing combine them differently.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The base URLs a client talks to. URLs carry no trailing slash.
 *
 * @since 0.1.0
 * @category models
 */
export class Environment extends Data.Class<{
  /** `sandbox`, `production`, or `custom` for anything else (self-certification, a local sandbox). */
  readonly name: "sandbox" | "production" | "custom"
  /** Integrator Authentication, e.g. `https://api.mobilepay.dk/integrator-authentication`. */
  readonly authUrl: string
  /** PoS V10, e.g. `https://api.mobilepay.dk/pos/v10`. */
  readonly posUrl: string
  /**
   * The sandbox-only user simulation, when this environment has one (read from
   * `MOBILEPAY_USER_SIMULATION_URL` by `MobilePayConfig`); without it the simulation calls fail
   * with `InvalidInput` before sending.
   */
  readonly userSimulationUrl?: string | undefined
}> {}

const trimSlash = (url: string): string => url.replace(/\/+$/, "")

/**
 * MobilePay's sandbox (`api.sandbox.mobilepay.dk`).
 *
 * @since 0.1.0
 * @category environments
 */
export const sandbox: Environment = new Environment({
  name: "sandbox",
  authUrl: "https://api.sandbox.mobilepay.dk/integrator-authentication",
  posUrl: "https://api.sandbox.mobilepay.dk/pos/v10",
  userSimulationUrl: "https://api.sandbox.mobilepay.dk/pos/app/usersimulation",
})

/**
 * MobilePay's production (`api.mobilepay.dk`).
 *
 * @since 0.1.0
 * @category environments
 */
export const production: Environment = new Environment({
  name: "production",
  authUrl: "https://api.mobilepay.dk/integrator-authentication",
  posUrl: "https://api.mobilepay.dk/pos/v10",
})

/**
 * The self-certification PoS API: the sandbox's token server with its own PoS base path.
 *
 * @since 0.1.0
 * @category environments
 */
export const selfCertification: Environment = new Environment({
  name: "custom",
  authUrl: sandbox.authUrl,
  posUrl: "https://api.sandbox.mobilepay.dk/pos-self-certification-api/pos/v10",
})

/**
 * Any other pair of base URLs, e.g. a local sandbox.
 *
 * @example
 * import { Environment } from "@effect-mobilepay/core"
 *
 * // `pnpm sandbox` prints these (as MOBILEPAY_AUTH_URL, _POS_URL, _USER_SIMULATION_URL).
 * const local = Environment.custom({
 *   authUrl: "http://127.0.0.1:4010/integrator-authentication",
 *   posUrl: "http://127.0.0.1:4010/pos/v10",
 *   userSimulationUrl: "http://127.0.0.1:4010/pos/app/usersimulation",
 * })
 *
 * @since 0.1.0
 * @category environments
 */
export const custom = (urls: {
  readonly authUrl: string
  readonly posUrl: string
  readonly userSimulationUrl?: string | undefined
}): Environment =>
  new Environment({
    name: "custom",
    authUrl: trimSlash(urls.authUrl),
    posUrl: trimSlash(urls.posUrl),
    userSimulationUrl:
      urls.userSimulationUrl === undefined ? undefined : trimSlash(urls.userSimulationUrl),
  })
