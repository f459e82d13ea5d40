/**
 * The scaffolding of a canned server in a process of its own (`pos/server.ts`,
 * `epayment/server.ts`, started by `serverProcess.ts`): node:http with keep-alive on loopback,
 * every request read whole and answered at once. Prints its port on stdout, then serves until
 * stdin closes.
 */
import * as Http from "node:http"

export interface Answer {
  readonly status: number
  readonly body: string
  /** Besides `content-type: application/json; charset=utf-8` and the content length. */
  readonly headers?: Http.OutgoingHttpHeaders
}

/** Serves `answer(request, body)` to every request. */
export const serveCanned = (
  answer: (request: Http.IncomingMessage, body: string) => Answer,
): void => {
  const server = Http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const { status, body, headers } = answer(req, Buffer.concat(chunks).toString())
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        ...headers,
      })
      res.end(body)
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen({ port: 0, host: "127.0.0.1", backlog: 1024 }, () => {
    const address = server.address()
    process.stdout.write(`${address !== null && typeof address !== "string" ? address.port : 0}\n`)
  })
  // The parent closes stdin when it is done (or dies): stop then.
  process.stdin.resume()
  process.stdin.on("end", () => {
    server.closeAllConnections()
    server.close(() => process.exit(0))
  })
}
