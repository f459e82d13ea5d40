/**
 * Placeholder QR images: the sandbox does not draw a scannable QR code (that needs an
 * encoder it would have to carry); it draws a QR-like square that shows the encoded text in
 * plain words, and carries it machine-readably (the SVG's `<desc>` and `data-target`, the
 * PNG's `tEXt` chunk named `Target`). A simulated customer "scans" by sending that text.
 */
import { deflateSync } from "node:zlib"

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

const finder = (x: number, y: number) =>
  `<rect x="${x}" y="${y}" width="70" height="70" fill="#000"/>` +
  `<rect x="${x + 10}" y="${y + 10}" width="50" height="50" fill="#fff"/>` +
  `<rect x="${x + 20}" y="${y + 20}" width="30" height="30" fill="#000"/>`

/** An SVG placeholder for a QR code encoding `target`. */
export const qrSvg = (target: string): string => {
  const text = escapeXml(target)
  // The text is wrapped at 40 characters so that a long URL stays inside the square.
  const lines = target.match(/.{1,40}/g) ?? [target]
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" data-target="${text}">`,
    `<desc>${text}</desc>`,
    `<rect width="400" height="400" fill="#fff"/>`,
    finder(10, 10),
    finder(320, 10),
    finder(10, 320),
    `<text x="200" y="150" font-family="monospace" font-size="16" text-anchor="middle">sandbox QR</text>`,
    ...lines.map(
      (line, i) =>
        `<text x="200" y="${190 + i * 18}" font-family="monospace" font-size="11" text-anchor="middle">${escapeXml(line)}</text>`,
    ),
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

/** A `size`×`size` greyscale PNG placeholder whose `tEXt` chunk `Target` holds `target`. */
export const qrPng = (target: string, size: number): Buffer => {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 0 // greyscale
  // A black frame around a white square: each row is a filter byte, then one byte a pixel.
  const border = Math.max(1, Math.floor(size / 20))
  const rows = Buffer.alloc(size * (size + 1), 0xff)
  for (let y = 0; y < size; y++) {
    const row = y * (size + 1)
    rows[row] = 0
    for (let x = 0; x < size; x++) {
      const edge = x < border || y < border || x >= size - border || y >= size - border
      if (edge) rows[row + 1 + x] = 0
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
