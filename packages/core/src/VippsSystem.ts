/**
 * The four `Vipps-System-*` headers: who is calling (the system and its plugin, with their
 * versions). Recommended on every call, the token request included, and mandatory for
 * partners and plugins; Vipps MobilePay support finds failing requests by them.
 *
 * @since 0.2.0
 */
import * as Schema from "effect/Schema"
import { isHeaderSafe } from "./Domain.js"

/**
 * One `Vipps-System-*` value: 1 to 30 characters that can be sent as a header as they are
 * (short and human-readable: `acme-pos`, `3.2.1`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const SystemValue = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must not be empty" }),
  Schema.maxLength(30, { message: () => "must be at most 30 characters long" }),
  Schema.filter(isHeaderSafe, {
    message: () => "is sent as a header: Latin-1 characters without control characters only",
  }),
  Schema.brand("VippsSystemValue"),
)
/** @since 0.2.0 */
export type SystemValue = typeof SystemValue.Type

/**
 * The calling system and plugin. Each value is optional; only the ones given are sent. Where
 * "plugin" makes no sense, Vipps MobilePay asks to repeat the system's values.
 *
 * @since 0.2.0
 * @category models
 */
export class VippsSystem extends Schema.Class<VippsSystem>("VippsSystem")({
  /** `Vipps-System-Name`, e.g. `acme-pos`. */
  name: Schema.optional(SystemValue),
  /** `Vipps-System-Version`, e.g. `3.2.1`. */
  version: Schema.optional(SystemValue),
  /** `Vipps-System-Plugin-Name`. */
  pluginName: Schema.optional(SystemValue),
  /** `Vipps-System-Plugin-Version`. */
  pluginVersion: Schema.optional(SystemValue),
}) {}

/**
 * No `Vipps-System-*` headers.
 *
 * @since 0.2.0
 * @category constructors
 */
export const none: VippsSystem = new VippsSystem({})

/**
 * The headers for `system`, lower-cased as HTTP/2 and `@effect/platform` write them.
 *
 * @since 0.2.0
 * @category headers
 */
export const headers = (system: VippsSystem): Record<string, string> => {
  const out: Record<string, string> = {}
  if (system.name !== undefined) out["vipps-system-name"] = system.name
  if (system.version !== undefined) out["vipps-system-version"] = system.version
  if (system.pluginName !== undefined) out["vipps-system-plugin-name"] = system.pluginName
  if (system.pluginVersion !== undefined) out["vipps-system-plugin-version"] = system.pluginVersion
  return out
}
