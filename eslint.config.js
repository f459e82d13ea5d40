// @ts-check
import js from "@eslint/js"
import tseslint from "typescript-eslint"

const platformBarrel = {
  name: "@effect/platform",
  allowTypeImports: true,
  message:
    "import @effect/platform by subpath (@effect/platform/HttpClient): the barrel loads all of it",
}
const effectBarrel = {
  name: "effect",
  allowTypeImports: true,
  message: "import effect by subpath (effect/Effect): the barrel loads all of it",
}

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
    // The @effect/platform barrel loads all of the platform (~40 MB of a client's memory), the
    // effect barrel all of effect (every module's source and top-level values stay in the heap,
    // and V8 lets a busy process's old space grow to about four times what is live): published
    // code imports what it uses by subpath (types may name the barrels: erased).
    files: ["packages/{node,token-store-redis}/src/**"],
    rules: { "no-restricted-imports": ["error", { paths: [platformBarrel, effectBarrel] }] },
  },
  {
    // What runs anywhere stays free of Node: Node pieces live in @effect-mobilepay/node.
    files: ["packages/{core,token-service,pos,epayment,journal-sql}/src/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [platformBarrel, effectBarrel],
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
