import { defineConfig } from "vitest/config"

// Every package (and the examples) is a Vitest project with its own vitest.config.ts. The
// global setup looks for the PostgreSQL and Redis the service-backed suites need, once.
export default defineConfig({
  test: {
    projects: ["packages/*", "examples"],
    globalSetup: ["./vitest.services.ts"],
  },
})
