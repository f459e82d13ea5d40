// Every package (and the examples) is a Vitest project with its own vitest.config.ts.
export default ["packages/*", "examples"]
