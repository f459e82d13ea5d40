import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "journal-sql", include: ["test/**/*.test.ts"] },
})
