/**
 * `pnpm example <name>`: runs examples/<name>.ts.
 */
const examples = [
  "pay-and-capture",
  "prepared-payment",
  "refund",
  "onboarding",
  "token",
  "request-token",
  "quickstart",
  "epayment-push",
  "epayment-personal-qr",
  "epayment-dynamic-qr",
  "epayment-callback-qr",
  "till",
  "http-service",
]

const name = process.argv[2]
if (name === undefined || !examples.includes(name)) {
  globalThis.console.error(`usage: pnpm example <${examples.join(" | ")}>`)
  process.exit(2)
}
await import(`./${name}.ts`)
