import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace"

// The projects, and how they are scheduled, are listed in vitest.workspace.ts. The global setup
// looks for the PostgreSQL and Redis the service-backed suites need, once.
export default defineConfig({
  test: {
    projects: [...projects],
    // See vitest.workspace.ts: two files at a time, modules kept from one file to the next.
    maxWorkers: 2,
    minWorkers: 1,
    isolate: false,
    globalSetup: ["./vitest.services.ts"],
  },
})
