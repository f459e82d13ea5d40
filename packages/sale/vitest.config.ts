import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "sale", include: ["test/**/*.test.ts"] },
})
