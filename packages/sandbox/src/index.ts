/**
 * `@effect-mobilepay/sandbox`: a local MobilePay (token server, PoS V10, user simulation) and
 * Vipps MobilePay platform (Access Token, ePayment, Webhooks, QR, a simulated customer).
 *
 * @since 0.1.0
 */

/**
 * Fault injection: rules that make the sandbox misbehave on chosen routes.
 *
 * @since 0.1.0
 */
export * as Fault from "./Fault.js"

/**
 * A local MobilePay on one loopback HTTP server, as a layer, with controls for tests.
 *
 * @since 0.1.0
 */
export * as Sandbox from "./Sandbox.js"

/**
 * The fixed data every sandbox starts with: demo clients, merchants, stores, test users, and
 * the platform's demo sales units and test users.
 *
 * @since 0.1.0
 */
export * as SeedData from "./SeedData.js"
