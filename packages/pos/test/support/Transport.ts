/**
 * The `HttpClient` the pos suite runs on: `@effect/platform-node`'s undici client in the `pos`
 * project (the pipeline enforces every deadline itself, as on any foreign transport), and the
 * lean `UndiciHttpClient` of `@effect-mobilepay/node` in the `pos-undici` project (the
 * transport enforces them). The root vitest.config.ts chooses with `provide`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type { HttpClient } from "@effect/platform"
import type { Layer } from "effect"
import { inject } from "vitest"
// Relative, not by package name: @effect-mobilepay/node depends on pos, so pos cannot list it.
import * as UndiciHttpClient from "../../../node/src/UndiciHttpClient.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The transport of this run of the pos suite. @default "platform" */
    readonly transport: "platform" | "undici"
  }
}

/** This run's transport. */
export const name: "platform" | "undici" = inject("transport") ?? "platform"

/** This run's transport as a layer. */
export const layer: Layer.Layer<HttpClient.HttpClient> =
  name === "undici" ? UndiciHttpClient.layer : NodeHttpClient.layerUndici
