/**
 * The results as a plain-text table on stdout: one section per benchmark, every row with its
 * ratio to the section's baseline (median against median, so that a GC pause in a few
 * samples does not move it).
 */
import type { Stats } from "./measure.js"

export interface Section {
  readonly title: string
  /** What one operation is, in a line. */
  readonly unit: string
  /** The rows, the baseline among them. */
  readonly rows: ReadonlyArray<Stats>
  /** The name of the row the others are compared with. */
  readonly baseline: string
  /** Extra lines printed under the table (checks, counts). */
  readonly notes?: ReadonlyArray<string>
}

export const formatDuration = (ns: number): string =>
  ns < 1_000
    ? `${ns.toFixed(0)} ns`
    : ns < 1_000_000
      ? `${(ns / 1_000).toFixed(1)} µs`
      : `${(ns / 1_000_000).toFixed(2)} ms`

const formatRate = (opsPerSecond: number): string =>
  opsPerSecond >= 1_000_000
    ? `${(opsPerSecond / 1_000_000).toFixed(2)} M`
    : opsPerSecond >= 1_000
      ? `${(opsPerSecond / 1_000).toFixed(1)} k`
      : opsPerSecond.toFixed(0)

const headings = ["case", "n", "mean", "p50", "p99", "±rsd", "ops/s", "× baseline"] as const

/** A titled table, `preface` lines under the title: the first column left-aligned. */
export const table = (
  title: string,
  columns: ReadonlyArray<string>,
  lines: ReadonlyArray<ReadonlyArray<string>>,
  preface: ReadonlyArray<string> = [],
): string => {
  const widths = columns.map((heading, column) =>
    Math.max(heading.length, ...lines.map((line) => line[column]?.length ?? 0)),
  )
  const format = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
  const rule = "-".repeat(widths.reduce((sum, width) => sum + width + 2, -2))
  return [`## ${title}`, ...preface, rule, format(columns), rule, ...lines.map(format), rule].join(
    "\n",
  )
}

export const render = (section: Section): string => {
  const baseline = section.rows.find((row) => row.name === section.baseline)
  const lines = section.rows.map((row) => [
    row.name === section.baseline ? `${row.name} (baseline)` : row.name,
    String(row.n),
    formatDuration(row.mean),
    formatDuration(row.p50),
    formatDuration(row.p99),
    `${(row.rsd * 100).toFixed(1)} %`,
    formatRate(1e9 / row.mean),
    baseline === undefined ? "-" : `${(row.p50 / baseline.p50).toFixed(2)}×`,
  ])
  return [
    table(section.title, headings, lines, [`   one op = ${section.unit}`]),
    ...(section.notes ?? []).map((note) => `   ${note}`),
    "",
  ].join("\n")
}
