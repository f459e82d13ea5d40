import { Session } from "node:inspector/promises"
import { writeFileSync } from "node:fs"
const { drive } = await import("./posDrive.js")
const { startPosServer } = await import("./posServerProcess.js")
const { makeVariant } = await import("./posVariants.js")
const server = await startPosServer()
const v = await makeVariant(process.argv[2] as never, server.origin)
await drive(v.call, 5000, 32)
const s = new Session()
s.connect()
await s.post("HeapProfiler.startSampling", {
  samplingInterval: 512,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
} as never)
await drive(v.call, 5000, 32)
const { profile } = await s.post("HeapProfiler.stopSampling")
writeFileSync("/tmp/alloc.json", JSON.stringify(profile))
await v.close()
await server.close()
type N = {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: N[]
}
const self = new Map<string, number>()
const incl = new Map<string, number>()
let total = 0
const walk = (n: N, stack: string[]) => {
  const name = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/^.*(node_modules|packages)\//, "")}:${n.callFrame.lineNumber + 1}`
  total += n.selfSize
  self.set(name, (self.get(name) ?? 0) + n.selfSize)
  const st = new Set([...stack, name])
  for (const x of st) if (n.selfSize) incl.set(x, (incl.get(x) ?? 0) + n.selfSize)
  for (const c of n.children) walk(c, [...st])
}
walk(profile.head as unknown as N, [])
console.log("KB/call", (total / 5000 / 1024).toFixed(1))
const show = (m: Map<string, number>, k: number, f: (s: string) => boolean = () => true) =>
  [...m]
    .filter(([a]) => f(a))
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .forEach(([n, b]) => console.log((b / 5000 / 1024).toFixed(2).padStart(7), n))
console.log("-- self")
show(self, 40)
console.log("-- inclusive (own + platform)")
show(incl, 40, (a) => /pos\/|core\/|node\/|platform/.test(a))
