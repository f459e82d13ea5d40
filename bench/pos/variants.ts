/**
 * The ways to make the same call, `QueryPayment` (an authorised GET of one payment, its JSON
 * answer read and decoded), that the PoS benchmark compares: raw undici, `fetch` and
 * `@effect/platform-node`'s default client next to the project's full `PosClient` call. Each
 * variant has its own connection pool, and loads only what it uses (so that a process running
 * one variant alone shows that variant's memory).
 */
import { paymentId, type Variant, type VariantKey, variantNames } from "./variant.js"

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
