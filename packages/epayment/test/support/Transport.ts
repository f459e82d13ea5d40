/**
 * The `HttpClient` the epayment suite runs on: `@effect/platform-node`'s undici client in the
 * `epayment` project (the request path enforces every deadline itself, as on any foreign
 * transport), and the lean `UndiciHttpClient` of `@effect-mobilepay/node` in the
 * `epayment-undici` project (the transport enforces them). The root vitest.config.ts chooses
 * with `provide`.
 */
import type { HttpDeadline } from "@effect-mobilepay/core"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type { HttpClient } from "@effect/platform"
import type { Layer } from "effect"
import { inject } from "vitest"
// Relative, not by package name: the node package is not a dependency of this one.
import * as UndiciHttpClient from "../../../node/src/UndiciHttpClient.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The transport of this run of the suite. @default "platform" */
    readonly transport: "platform" | "undici"
  }
}

/** This run's transport. */
export const name: "platform" | "undici" = inject("transport") ?? "platform"

/** This run's transport as a layer. */
export const layer:
  Layer.Layer<HttpClient.HttpClient | HttpDeadline.Enforcer> | Layer.Layer<HttpClient.HttpClient> =
  name === "undici" ? UndiciHttpClient.layer : NodeHttpClient.layerUndici
