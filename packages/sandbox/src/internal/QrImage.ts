/**
 * QR images: real, scannable QR codes (`qrcode-generator` makes the modules, error correction
 * M; these files draw them with the four-module quiet zone), as SVG or as a greyscale PNG of
 * the asked size. Each also carries the encoded text machine-readably (the SVG's `<desc>` and
 * `data-target`, the PNG's `tEXt` chunk `Target`), so a test can "scan" without a decoder.
 */
import qrcode from "qrcode-generator"
import { deflateSync } from "node:zlib"

/** Modules of quiet zone on each side, as ISO/IEC 18004 asks. */
const quietZone = 4

/** The dark modules of the QR code of `text`: `size` modules a side. */
const modulesOf = (text: string) => {
  const code = qrcode(0, "M")
  code.addData(text, "Byte")
  code.make()
  return {
    size: code.getModuleCount(),
    isDark: (row: number, col: number) => code.isDark(row, col),
  }
}

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** An SVG QR code encoding `target`: one path of unit squares in a viewBox counted in modules. */
export const qrSvg = (target: string): string => {
  const modules = modulesOf(target)
  const side = modules.size + 2 * quietZone
  const squares: Array<string> = []
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.isDark(row, col)) squares.push(`M${col + quietZone} ${row + quietZone}h1v1h-1z`)
    }
  }
  const text = escapeXml(target)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges" data-target="${text}">`,
    `<desc>${text}</desc>`,
    `<rect width="${side}" height="${side}" fill="#fff"/>`,
    `<path fill="#000" d="${squares.join("")}"/>`,
    `</svg>`,
  ].join("")
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

const crc32 = (bytes: Buffer): number => {
  let c = 0xffffffff
  for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const chunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, "latin1"), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/**
 * A `size`×`size` greyscale PNG QR code encoding `target` (each pixel takes the module under
 * it, quiet zone included), whose `tEXt` chunk `Target` also holds the text.
 */
export const qrPng = (target: string, size: number): Buffer => {
  const modules = modulesOf(target)
  const side = modules.size + 2 * quietZone
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 0 // greyscale
  // Each row is a filter byte (0: none), then one byte a pixel: 0 dark, 255 light.
  const rows = Buffer.alloc(size * (size + 1), 0xff)
  const moduleAt = (pixel: number) => Math.floor((pixel * side) / size) - quietZone
  for (let y = 0; y < size; y++) {
    const row = y * (size + 1)
    rows[row] = 0
    const moduleRow = moduleAt(y)
    if (moduleRow < 0 || moduleRow >= modules.size) continue
    for (let x = 0; x < size; x++) {
      const moduleCol = moduleAt(x)
      if (moduleCol >= 0 && moduleCol < modules.size && modules.isDark(moduleRow, moduleCol)) {
        rows[row + 1 + x] = 0
      }
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("tEXt", Buffer.from(`Target\0${target}`, "latin1")),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ])
}
