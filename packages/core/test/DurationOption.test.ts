import { DurationOption, RetryPolicy } from "@effect-mobilepay/core"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Either } from "effect"

const reasonOf = (result: Either.Either<Duration.Duration, unknown>) =>
  Either.match(result, {
    onLeft: (error) => error,
    onRight: (duration) => `accepted ${Duration.format(duration)}`,
  })

describe("DurationOption", () => {
  const refused: ReadonlyArray<readonly [string, unknown]> = [
    ["NaN", NaN],
    ["a negative number", -5],
    ["a negative string", "-5 seconds"],
    ["garbage", "soon"],
    ["an unknown unit", "5 secs"],
    ["NaN in a string", "NaN millis"],
    ["a negative bigint", -1n],
    ["a tuple with NaN", [1, NaN]],
    ["a negative tuple", [-1, 0]],
    ["null", null],
    ["an object", {}],
    ["Infinity", Infinity],
    ["0", 0],
    ["0 seconds", "0 seconds"],
  ]
  for (const [name, input] of refused) {
    it(`a timeout of ${name} is InvalidInput naming the option`, () => {
      expect(reasonOf(DurationOption.decode("readTimeout", input))).toMatchObject({
        _tag: "InvalidInput",
        field: "readTimeout",
      })
    })
  }

  it("reads every form Duration.decode reads", () => {
    expect(Either.getOrThrow(DurationOption.decode("t", "2 seconds"))).toEqual(Duration.seconds(2))
    expect(Either.getOrThrow(DurationOption.decode("t", 500))).toEqual(Duration.millis(500))
    expect(Either.getOrThrow(DurationOption.decode("t", Duration.minutes(1)))).toEqual(
      Duration.minutes(1),
    )
    expect(Duration.toMillis(Either.getOrThrow(DurationOption.decode("t", [1, 0])))).toBe(1000)
    expect(Duration.toMillis(Either.getOrThrow(DurationOption.decode("t", 2_000_000n)))).toBe(2)
  })

  it("a delay may be 0, and infinity only where allowed", () => {
    expect(Either.isRight(DurationOption.delay("d", 0, "1 second"))).toBe(true)
    expect(Either.isLeft(DurationOption.delay("d", -1, "1 second"))).toBe(true)
    expect(Either.isLeft(DurationOption.decode("d", Duration.infinity))).toBe(true)
    expect(
      Either.isRight(DurationOption.decode("d", Duration.infinity, { allowInfinite: true })),
    ).toBe(true)
  })

  it("an absent option is its default", () => {
    expect(Either.getOrThrow(DurationOption.timeout("t", undefined, "2 seconds"))).toEqual(
      Duration.seconds(2),
    )
  })
})

describe("RetryPolicy.decode", () => {
  // As it would arrive from configuration or JSON: not checked by the type system.
  const later: Duration.DurationInput = JSON.parse('"later"')
  const cases: ReadonlyArray<readonly [string, RetryPolicy.RetryOptions]> = [
    ["baseDelay", { baseDelay: later }],
    ["maxDelay", { maxDelay: NaN }],
    ["maxRetryAfter", { maxRetryAfter: -1 }],
    ["retries", { retries: NaN }],
  ]
  for (const [field, options] of cases) {
    it(`refuses an invalid ${field} with InvalidInput`, () => {
      const result = RetryPolicy.decode(options)
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "InvalidInput", field })
      expect(() => RetryPolicy.make(options)).toThrow(field)
    })
  }
})
