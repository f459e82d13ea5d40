import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "epayment", include: ["test/**/*.test.ts"] },
})
