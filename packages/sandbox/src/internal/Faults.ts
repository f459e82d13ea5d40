/**
 * Which fault, if any, a request gets: the first rule whose route matches and whose draw
 * (from the seed and a counter, so runs repeat) comes up, counting down its `times`.
 */
import type { Effect } from "effect"
import { Duration, Ref } from "effect"
import type { Fault, FaultRule } from "../Fault.js"
import { deterministicUniform } from "./State.js"

export interface ActiveRule {
  readonly rule: FaultRule
  readonly fired: number
}

export interface FaultState {
  readonly rules: ReadonlyArray<ActiveRule>
  /** One step per draw. */
  readonly draws: number
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Compiles `"METHOD /path"` with `*`, `{name}` and a trailing `/**` into a matcher. */
export const routeMatcher = (route: string): ((method: string, path: string) => boolean) => {
  const space = route.indexOf(" ")
  const method = space > 0 ? route.slice(0, space).toUpperCase() : "*"
  const pattern = (space > 0 ? route.slice(space + 1) : route).trim().replace(/\/+$/, "")
  const source = pattern
    .split("/")
    .map((segment) =>
      segment === "**"
        ? "(?:/.*)?"
        : segment === "*" || /^\{[^}]*\}$/.test(segment)
          ? "/[^/]+"
          : `/${escape(segment)}`,
    )
    .join("")
    .replace(/^\//, "")
  const regex = new RegExp(`^/?${source}/?$`, "i")
  return (requestMethod, path) =>
    (method === "*" || method === requestMethod.toUpperCase()) && regex.test(path)
}

/** Replaces the rules; their `times` counters restart. */
export const setRules = (faults: Ref.Ref<FaultState>, rules: ReadonlyArray<FaultRule>) =>
  Ref.update(faults, (state) => ({ ...state, rules: rules.map((rule) => ({ rule, fired: 0 })) }))

/** Adds one rule after the existing ones. */
export const addRule = (faults: Ref.Ref<FaultState>, rule: FaultRule) =>
  Ref.update(faults, (state) => ({ ...state, rules: [...state.rules, { rule, fired: 0 }] }))

/** Picks the fault for one request and records the draw and the firing. */
export const pickFault = (
  faults: Ref.Ref<FaultState>,
  seed: string,
  method: string,
  path: string,
): Effect.Effect<Fault | undefined> =>
  Ref.modify(faults, (state): readonly [Fault | undefined, FaultState] => {
    let draws = state.draws
    for (const [index, active] of state.rules.entries()) {
      const { rule } = active
      if (rule.times !== undefined && active.fired >= rule.times) continue
      if (!routeMatcher(rule.route)(method, path)) continue
      const probability = rule.probability ?? 1
      if (probability < 1) {
        const draw = deterministicUniform(seed, "fault", draws)
        draws += 1
        if (draw >= probability) continue
      }
      const rules = state.rules.map((r, i) => (i === index ? { ...r, fired: r.fired + 1 } : r))
      return [rule.fault, { rules, draws }]
    }
    return [undefined, { ...state, draws }]
  })

const kindOf = (fault: Fault): string => {
  switch (fault._tag) {
    case "Latency":
      return `latency:${Duration.toMillis(fault.delay)}`
    case "ServerError":
      return fault.code === "2000" ? "500" : `500:${fault.code}`
    case "Unavailable":
      return "503"
    case "ConnectionReset":
      return "reset"
    case "Unauthorized":
      return "401"
    case "MalformedJson":
      return "malformed"
    case "Locked":
      return "423"
  }
}

/** A rule in the form `parseFaultRule` reads (and the CLI's `--fault` takes). */
export const formatFaultRule = (rule: FaultRule): string =>
  `${rule.route}=${kindOf(rule.fault)}` +
  (rule.probability === undefined ? "" : `@${rule.probability}`) +
  (rule.times === undefined ? "" : `x${rule.times}`)
