/**
 * Reads the QR images the sandbox serves the way a phone's camera would: pixels into jsQR, a
 * QR decoder that shares nothing with the encoder the sandbox uses. Only the PNG the sandbox
 * writes (8-bit greyscale, unfiltered rows) and SVG paths of unit squares are understood;
 * anything else fails the test.
 */
import jsQRModule from "jsqr"
import { inflateSync } from "node:zlib"

// jsqr is CommonJS whose typings declare a default export: Node hands over `module.exports`.
const jsQR = jsQRModule.default

const decodePixels = (grey: (x: number, y: number) => number, width: number, height: number) => {
  const rgba = new Uint8ClampedArray(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = grey(x, y)
      rgba.set([value, value, value, 255], (y * width + x) * 4)
    }
  }
  return jsQR(rgba, width, height)?.data
}

/** The text a PNG QR code encodes, or `undefined` when none can be read. */
export const decodeQrPng = (png: Buffer): string | undefined => {
  let offset = 8
  let width = 0
  let height = 0
  const data: Array<Buffer> = []
  while (offset < png.length) {
    const length = png.readUInt32BE(offset)
    const type = png.toString("latin1", offset + 4, offset + 8)
    const body = png.subarray(offset + 8, offset + 8 + length)
    if (type === "IHDR") {
      width = body.readUInt32BE(0)
      height = body.readUInt32BE(4)
      if (body[8] !== 8 || body[9] !== 0) throw new Error("not an 8-bit greyscale PNG")
    }
    if (type === "IDAT") data.push(body)
    offset += 12 + length
  }
  const rows = inflateSync(Buffer.concat(data))
  for (let y = 0; y < height; y++) {
    if (rows[y * (width + 1)] !== 0) throw new Error("a filtered row")
  }
  return decodePixels((x, y) => rows[y * (width + 1) + 1 + x] ?? 255, width, height)
}

/** The text an SVG QR code (a path of `Mx yh1v1h-1z` squares) encodes, drawn at 4 px a module. */
export const decodeQrSvg = (svg: string): string | undefined => {
  const side = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1] ?? "0")
  const dark = new Set<string>()
  for (const [, x, y] of svg.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) dark.add(`${x},${y}`)
  const scale = 4
  return decodePixels(
    (x, y) => (dark.has(`${Math.floor(x / scale)},${Math.floor(y / scale)}`) ? 0 : 255),
    side * scale,
    side * scale,
  )
}
