// A secret read from `Config`, kept `Redacted` from the moment it is read. Not
// `Config.redacted`: it redacts its own errors too, so a missing secret would be reported as
// `Missing data at X: "<redacted>"`, hiding what is wrong. A string's errors never quote the
// value (it is missing, or empty), so the explanation can be shown as it is.
import * as Config from "effect/Config"
import * as Redacted from "effect/Redacted"

export const secret = (name: string): Config.Config<Redacted.Redacted<string>> =>
  Config.nonEmptyString(name).pipe(Config.map((value) => Redacted.make(value)))
