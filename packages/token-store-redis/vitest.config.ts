import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "token-store-redis", include: ["test/**/*.test.ts"] },
})
