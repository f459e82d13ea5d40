// @ts-check
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "packages/*/docs/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-namespace": "off",
      "no-console": "error",
    },
  },
  {
    // What runs anywhere stays free of Node: Node pieces live in @effect-mobilepay/node.
    files: ["packages/{core,token-service,pos,journal-sql}/src/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*", "@effect/platform-node", "@effect/platform-node/*", "undici"] },
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly" } },
  },
  {
    files: ["examples/**", "bench/**", "packages/sandbox/src/bin/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
)
