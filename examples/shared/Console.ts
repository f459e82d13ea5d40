/**
 * A plain logger for the examples: one readable line per event, `HH:MM:SS.mmm  message`, with
 * the flows' debug lines (every status change) included.
 */
import { Layer, Logger, LogLevel } from "effect"

const account = Logger.make(({ date, logLevel, message }) => {
  const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
  const level = logLevel._tag === "Error" || logLevel._tag === "Warning" ? `${logLevel.label} ` : ""
  globalThis.console.log(`${date.toISOString().slice(11, 23)}  ${level}${text}`)
})

export const layer = Layer.merge(
  Logger.replace(Logger.defaultLogger, account),
  Logger.minimumLogLevel(LogLevel.Debug),
)
