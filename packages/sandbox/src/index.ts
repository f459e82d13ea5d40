/**
 * `@effect-mobilepay/sandbox`: a local MobilePay (token server, PoS V10, user simulation).
 *
 * @since 0.1.0
 */
export * as Fault from "./Fault.js"
export * as Sandbox from "./Sandbox.js"
export * as SeedData from "./SeedData.js"
