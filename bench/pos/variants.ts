/**
 * The ways to make the same call, `QueryPayment` (an authorised GET of one payment, its JSON
 * answer read and decoded), that the PoS benchmark compares: raw undici, `fetch` and
 * `@effect/platform-node`'s default client next to the project's full `PosClient` call. Each
 * variant has its own connection pool, and loads only what it uses (so that a process running
 * one variant alone shows that variant's memory).
 */

export const paymentId = "6f1f2d1e-8a7b-4c3d-9e0f-112233445566"
export const merchantVat = "DK90000028"
export const clientId = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

export interface Variant {
  readonly name: string
  /** One `QueryPayment`, its answer read and decoded. */
  readonly call: () => Promise<unknown>
  readonly close: () => Promise<void>
}

export const variantNames = {
  undici: "raw undici Pool.request",
  fetch: "global fetch",
  platform: "NodeHttpClient + Schema",
  posPlatform: "PosClient.queryPayment (NodeHttpClient)",
  posUndici: "PosClient.queryPayment (UndiciHttpClient)",
  undiciInEffect: "raw undici in Effect.promise, PosClient's modules loaded",
  undiciLoaded: "raw undici, PosClient's modules loaded",
} as const

export type VariantKey = keyof typeof variantNames

/**
 * The variants that only run alone, for their memory: side by side with the others, in the one
 * process that has loaded every variant's modules, they would be raw undici again.
 */
const soloOnly: ReadonlyArray<VariantKey> = ["undiciLoaded"]

/** The variants of the side-by-side table. */
export const variantKeys = Object.keys(variantNames).filter(
  (key): key is VariantKey => key in variantNames && !soloOnly.some((solo) => solo === key),
)

export const makeVariant = async (key: VariantKey, origin: string): Promise<Variant> => {
  switch (key) {
    case "undici":
    case "fetch":
      return (await import("./variantsPlain.js")).plainVariant(key, origin)
    case "posUndici":
      return (await import("./variantsPos.js")).leanVariant(origin)
    case "undiciInEffect":
      return (await import("./variantsPos.js")).undiciInEffect(origin)
    case "undiciLoaded":
      return (await import("./variantsPos.js")).undiciLoaded(origin)
    default:
      return (await import("./variantsEffect.js")).effectVariant(key, origin)
  }
}

/** Checks a variant's answer (decoded or plain JSON): the payment asked for. */
export const checkAnswer = (answer: unknown): void => {
  if (typeof answer !== "object" || answer === null || !("paymentId" in answer)) {
    throw new Error("the answer is not a payment")
  }
  if (answer.paymentId !== paymentId) throw new Error("the answer is not the payment asked for")
}
