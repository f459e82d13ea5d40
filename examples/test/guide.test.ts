/**
 * The migration guide's code is the type-checked guide file's, word for word: every TypeScript
 * block of docs/migrating-to-epayment.md is a piece of examples/guide/migrating-to-epayment.ts.
 */
import { readFileSync } from "node:fs"
import { expect, it } from "vitest"

it("every code block of the migration guide is in the type-checked guide file", () => {
  const guide = readFileSync(
    new URL("../../docs/migrating-to-epayment.md", import.meta.url),
    "utf8",
  )
  const code = readFileSync(new URL("../guide/migrating-to-epayment.ts", import.meta.url), "utf8")
  const blocks = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(([, block]) => block)
  expect(blocks.length).toBeGreaterThanOrEqual(16)
  for (const block of blocks) expect(code).toContain(block)
})
