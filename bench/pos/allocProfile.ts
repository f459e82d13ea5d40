/**
 * Where one PoS benchmark variant allocates: V8's sampling heap profiler over a run of calls,
 * counting the objects young collections freed too (or, with `--promoted`, only those that
 * outlived them: what fills the old space), in KB per call by allocating function (self) and
 * by this project's and the platform's frames (inclusive).
 *
 *   pnpm bench pos   # builds dist/ first
 *   cd bench && node --conditions=@effect-mobilepay/dist --import tsx pos/allocProfile.ts posUndici
 */
import { Session } from "node:inspector/promises"
import { Schema } from "effect"
import { drive } from "./drive.js"
import { startServerProcess } from "../harness/serverProcess.js"
import { makeVariant, variantKeys } from "./variants.js"

interface Node {
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly selfSize: number
  readonly children: ReadonlyArray<Node>
}
const Node: Schema.Schema<Node> = Schema.Struct({
  callFrame: Schema.Struct({
    functionName: Schema.String,
    url: Schema.String,
    lineNumber: Schema.Number,
  }),
  selfSize: Schema.Number,
  children: Schema.Array(Schema.suspend(() => Node)),
})
const Profile = Schema.Struct({ head: Node })

const [key = "", ...flags] = process.argv.slice(2)
const variantKey = variantKeys.find((k) => k === key)
if (variantKey === undefined) {
  throw new Error(`usage: pos/allocProfile.ts <${variantKeys.join("|")}> [--promoted]`)
}
const promotedOnly = flags.includes("--promoted")
const calls = 5_000

const server = await startServerProcess("pos/server.ts")
const variant = await makeVariant(variantKey, server.origin)
const session = new Session()
try {
  await drive(variant.call, calls, 32) // warm-up
  session.connect()
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: !promotedOnly,
  })
  await drive(variant.call, calls, 32)
  const { profile } = await session.post("HeapProfiler.stopSampling")
  const { head } = Schema.decodeUnknownSync(Profile)(profile)

  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let total = 0
  const nameOf = ({ callFrame }: Node) =>
    `${callFrame.functionName || "(anonymous)"} ${callFrame.url.replace(/^.*(node_modules|packages)\//, "")}:${callFrame.lineNumber + 1}`
  const walk = (node: Node, stack: ReadonlySet<string>) => {
    const name = nameOf(node)
    const here = new Set(stack).add(name)
    total += node.selfSize
    self.set(name, (self.get(name) ?? 0) + node.selfSize)
    if (node.selfSize > 0) {
      for (const frame of here) inclusive.set(frame, (inclusive.get(frame) ?? 0) + node.selfSize)
    }
    for (const child of node.children) walk(child, here)
  }
  walk(head, new Set())
  const show = (map: Map<string, number>, only: (name: string) => boolean) =>
    [...map]
      .filter(([name]) => only(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .forEach(([name, bytes]) =>
        console.log(`${(bytes / calls / 1024).toFixed(2).padStart(7)} KB  ${name}`),
      )
  console.log(`${variant.name}: ${(total / calls / 1024).toFixed(1)} KB per call`)
  console.log("\nby allocating function (self):")
  show(self, () => true)
  console.log("\nthis project's and the platform's frames (inclusive):")
  show(inclusive, (name) => /^\S+ (pos|core|node|token-service)\/|@effect\/platform/.test(name))
} finally {
  session.disconnect()
  await variant.close()
  await server.close()
}
