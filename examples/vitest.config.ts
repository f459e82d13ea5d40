import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "examples",
    include: ["test/**/*.test.ts"],
    // examples.test.ts starts every test at once and bounds the child processes itself: a test
    // waiting for its turn must not hold back the series that are the file's longest part.
    maxConcurrency: 20,
  },
})
