/**
 * An independent counting MobilePay for the fleet tests, in a process of its own so that a
 * busy test runner does not slow its answers: a token endpoint issuing JWT-shaped tokens
 * (`iat`/`exp` claims, in seconds with the milliseconds as decimals; a token is good until
 * `exp`), and `GET /pos/v10/stores`, which answers 401 to a token that is unknown, revoked or
 * expired. Plain node:http and no library code: it counts what the library does without
 * sharing any of it.
 *
 * Started with MOBILEPAY_FLEET_TOKEN_LIFETIME (seconds); prints `listening <port>`,
 * then answers lines on stdin: `revoke` (every token issued so far; prints `revoked <n>`),
 * `log` (prints the token requests so far as one JSON line: merchant, arrival, expiry),
 * `clear` (forgets them; prints `cleared`).
 */
import { randomBytes } from "node:crypto"
import * as Http from "node:http"
import { createInterface } from "node:readline"

const tokenLifetimeSeconds = Number(process.env["MOBILEPAY_FLEET_TOKEN_LIFETIME"] ?? "3600")

interface Issued {
  readonly merchant: string
  readonly at: number
  readonly expiresAt: number
  revoked: boolean
}

const tokens = new Map<string, Issued>()
let log: Array<{ merchant: string; at: number; expiresAt: number }> = []

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

const answer = (res: Http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

const server = Http.createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    const at = Date.now()
    const url = new URL(req.url ?? "/", "http://endpoint")
    if (req.method === "POST" && url.pathname.endsWith("/connect/token")) {
      const merchant =
        new URLSearchParams(Buffer.concat(chunks).toString()).get("merchant_vat") ?? "unbound"
      const iat = at / 1000
      const exp = iat + tokenLifetimeSeconds
      const token = [
        base64url({ alg: "none", typ: "JWT" }),
        base64url({ iat, exp, merchant_vat: merchant, jti: randomBytes(8).toString("hex") }),
        randomBytes(16).toString("base64url"),
      ].join(".")
      tokens.set(token, { merchant, at, expiresAt: exp * 1000, revoked: false })
      log.push({ merchant, at, expiresAt: exp * 1000 })
      return answer(res, 200, {
        access_token: token,
        expires_in: tokenLifetimeSeconds,
        token_type: "Bearer",
        scope: "integrator_scope",
      })
    }
    if (req.method === "GET" && url.pathname.endsWith("/stores")) {
      const presented = (req.headers["authorization"] ?? "").replace(/^Bearer /, "")
      const issued = tokens.get(presented)
      if (issued === undefined || issued.revoked || at >= issued.expiresAt) {
        return answer(res, 401, { message: "Unauthorized" })
      }
      return answer(res, 200, { storeIds: [] })
    }
    answer(res, 404, { message: "Not found" })
  })
})

server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
  const address = server.address()
  process.stdout.write(
    `listening ${address !== null && typeof address !== "string" ? address.port : 0}\n`,
  )
})

createInterface({ input: process.stdin }).on("line", (line) => {
  const command = line.trim()
  if (command === "revoke") {
    let revoked = 0
    for (const issued of tokens.values()) {
      if (!issued.revoked) {
        issued.revoked = true
        revoked++
      }
    }
    process.stdout.write(`revoked ${revoked}\n`)
  } else if (command === "log") {
    process.stdout.write(`${JSON.stringify(log)}\n`)
  } else if (command === "clear") {
    log = []
    process.stdout.write("cleared\n")
  }
})
