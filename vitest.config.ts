import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"
import projects from "./vitest.workspace"

// The files that take 10 to 30 s, longest first. Vitest runs one project at a time (with
// `isolate: false` a worker holds one project's modules) and starts its files largest first
// when it has no timings of an earlier run (a fresh clone): a long file started last keeps
// its project, and the next one, waiting while the other core idles.
const slowest = [
  "packages/sandbox/test/load.test.ts",
  "packages/journal-sql/test/soak.test.ts",
  "examples/test/examples.test.ts",
  "packages/journal-sql/test/epayment-fleet.test.ts",
  "packages/journal-sql/test/fleet.test.ts",
  "packages/journal-sql/test/crash.test.ts",
  "packages/journal-sql/test/epayment-crash.test.ts",
  "packages/journal-sql/test/epayment-soak.test.ts",
  "packages/sandbox/test/cli.test.ts",
  "examples/test/http-service.test.ts",
]

/** Vitest's order (slowest of the last run first, else largest), the files above before it. */
class SlowestFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const rank = (file: TestSpecification) => {
      const index = slowest.findIndex((path) => file.moduleId.endsWith(`/${path}`))
      return index === -1 ? slowest.length : index
    }
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}

// The projects, and how they are scheduled, are listed in vitest.workspace.ts. The global setup
// looks for the PostgreSQL and Redis the service-backed suites need, once.
export default defineConfig({
  test: {
    projects: [...projects],
    // See vitest.workspace.ts: two files at a time, modules kept from one file to the next.
    maxWorkers: 2,
    minWorkers: 1,
    isolate: false,
    sequence: { sequencer: SlowestFirst },
    globalSetup: ["./vitest.services.ts"],
  },
})
