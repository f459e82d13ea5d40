/**
 * What the PoS V10 resource handlers share: a path id checked as a GUID, the ownership rule
 * (403 for another integrator or merchant), and create calls under an idempotency key.
 */
import { HttpRouter } from "@effect/platform"
import { Effect, Either } from "effect"
import type { Caller } from "./Auth.js"
import {
  badRequest,
  conflict,
  forbidden,
  header,
  Incoming,
  type ApiError,
  type NotFound,
} from "./Http.js"
import { isGuid, isValidText } from "./Input.js"
import { idempotentAnswerOf, withIdempotentAnswer, type Owner, type State } from "./State.js"
import { transact, type World } from "./World.js"

export type Step<A> = Either.Either<readonly [A, State], ApiError | NotFound>

export const pathId = (name: string) =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const value = params[name] ?? ""
    return isGuid(value)
      ? Effect.succeed(value.toLowerCase())
      : Effect.fail(badRequest("1099", `${name} must be a GUID`))
  })

/** 403 when another integrator, or the same integrator for another merchant, owns it. */
export const checkOwner = (
  resource: Owner,
  caller: Caller,
  integratorCode: string,
  merchantCode: string,
  what: string,
): ApiError | undefined =>
  resource.integratorId !== caller.integratorId
    ? forbidden(integratorCode, `Cannot access ${what} created by a different integrator`)
    : resource.merchantVat !== caller.merchantVat
      ? forbidden(merchantCode, `Cannot access ${what} created on behalf of a different merchant`)
      : undefined

/**
 * A create call under an idempotency key: a retry with the same key and request gets the
 * first answer, the same key with another request 409 1306. Keys are kept 24 h (`settle`).
 */
export const idempotent = <A>(
  world: World,
  caller: Caller,
  operation: string,
  request: unknown,
  create: (state: State, now: number) => Step<A>,
) =>
  Effect.gen(function* () {
    const incoming = yield* Incoming
    const key = header(incoming, "x-mobilepay-idempotency-key")
    if (key._tag === "Missing") {
      return yield* badRequest("1164", "Missing x-mobilepay-idempotency-key header")
    }
    if (key._tag === "Duplicated") {
      return yield* badRequest("1163", "Duplicated x-mobilepay-idempotency-key header")
    }
    if (!isValidText(key.value)) {
      return yield* badRequest("1162", "Invalid x-mobilepay-idempotency-key header")
    }
    const storeKey = `${caller.integratorId}|${caller.merchantVat}|${key.value}`
    const fingerprint = JSON.stringify([operation, request])
    return yield* transact(
      world,
      (state, now): Either.Either<readonly [unknown, State], ApiError | NotFound> => {
        const previous = idempotentAnswerOf(state, storeKey)
        if (previous !== undefined) {
          return previous.fingerprint === fingerprint
            ? Either.right([previous.body, state] as const)
            : Either.left(
                conflict(
                  "1306",
                  "x-mobilepay-idempotency-key header has to be unique per request unless the request is a retry of a previous request",
                ),
              )
        }
        return Either.map(create(state, now), ([body, next]) => [
          body,
          withIdempotentAnswer(next, storeKey, { fingerprint, body, at: now }),
        ])
      },
    )
  })
