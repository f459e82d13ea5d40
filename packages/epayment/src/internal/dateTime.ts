/**
 * RFC 3339 date-times as Vipps MobilePay writes them.
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"

// .NET writes up to 7 fractional digits (`2023-03-27T10:51:44.5333258Z`); RFC 3339 also allows
// `t`/`z` in lower case, offsets up to ±23:59 and a leap second (:60, read as :59). The
// fraction is cut to milliseconds. `Date.parse` alone would roll 2023-02-30 over to March.
const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(?:\.(\d{1,9}))?(?:[Zz]|([+-])([01]\d|2[0-3]):([0-5]\d))$/

const daysInMonth = (year: number, month: number): number =>
  new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate()

// Date.UTC reads years 0-99 as 1900-1999; 400 Gregorian years later the calendar is the same.
const gregorianCycleMillis = 146_097 * 86_400_000

/** `text` as a UTC date-time, or none when it is not an RFC 3339 date-time the calendar has. */
export const parse = (text: string): Option.Option<DateTime.Utc> => {
  const match = rfc3339.exec(text)
  if (match === null) return Option.none()
  const [, y, mo, d, h, mi, s, fraction = "", sign, offsetHours, offsetMinutes] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Option.none()
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3))
  const offset =
    sign === undefined
      ? 0
      : (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes))
  const epochMillis =
    Date.UTC(
      year + 400,
      month - 1,
      day,
      Number(h),
      Number(mi),
      s === "60" ? 59 : Number(s),
      millis,
    ) -
    gregorianCycleMillis -
    offset * 60_000
  return Option.some(DateTime.unsafeMake(epochMillis))
}
