import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "token-service", include: ["test/**/*.test.ts"] },
})
