import { defineConfig } from "vitest/config"

// Every package (and the examples) is a Vitest project with its own vitest.config.ts. The
// global setup looks for the PostgreSQL and Redis the service-backed suites need, once.
// The pos suite runs twice: on @effect/platform-node's undici client (`pos`, the pipeline
// enforcing deadlines, as on any HttpClient) and on the lean UndiciHttpClient of
// @effect-mobilepay/node (`pos-undici`, the transport enforcing them). So does the epayment
// suite (`epayment`, `epayment-undici`).
export default defineConfig({
  test: {
    projects: [
      "packages/*",
      "examples",
      {
        extends: "./packages/pos/vitest.config.ts",
        test: { name: "pos-undici", root: "./packages/pos", provide: { transport: "undici" } },
      },
      {
        extends: "./packages/epayment/vitest.config.ts",
        test: {
          name: "epayment-undici",
          root: "./packages/epayment",
          provide: { transport: "undici" },
        },
      },
    ],
    globalSetup: ["./vitest.services.ts"],
  },
})
