import { createHash } from 'node:crypto';

const MODULES = 29;
const SCALE = 8;
const QUIET = 4;

/**
 * A recognisable placeholder for showqrcode: a QR-like grid (three finder squares, modules drawn from the
 * ticket's hash, so each ticket looks different) and the scene as a caption. It does not decode — WeChat's
 * image would carry the code's `url`, which nothing here needs to scan.
 */
export function renderQrSvg(ticket: string, caption: string): string {
  const bits = moduleBits(ticket);
  const size = (MODULES + QUIET * 2) * SCALE;
  const rects: string[] = [];
  for (let y = 0; y < MODULES; y++) {
    for (let x = 0; x < MODULES; x++) {
      if (isDark(x, y, bits)) {
        rects.push(
          `<rect x="${(x + QUIET) * SCALE}" y="${(y + QUIET) * SCALE}" width="${SCALE}" height="${SCALE}"/>`,
        );
      }
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 40}" viewBox="0 0 ${size} ${size + 40}">`,
    `<title>WeChat simulator QR code</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<g fill="#000">${rects.join('')}</g>`,
    `<text x="50%" y="${size + 14}" font-family="sans-serif" font-size="13" text-anchor="middle">WeChat simulator QR</text>`,
    `<text x="50%" y="${size + 32}" font-family="monospace" font-size="12" text-anchor="middle">${escapeXml(caption)}</text>`,
    `</svg>`,
  ].join('');
}

function moduleBits(ticket: string): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 * 8 < MODULES * MODULES; i++) {
    chunks.push(createHash('sha256').update(`${i}:${ticket}`).digest());
  }
  return Buffer.concat(chunks);
}

function isDark(x: number, y: number, bits: Buffer): boolean {
  const finder = finderModule(x, y) ?? finderModule(MODULES - 1 - x, y) ?? finderModule(x, MODULES - 1 - y);
  if (finder !== undefined) return finder;
  const i = y * MODULES + x;
  return (((bits[i >> 3] ?? 0) >> (i & 7)) & 1) === 1;
}

/** The 7×7 finder square plus its light separator, or undefined outside the corner. */
function finderModule(x: number, y: number): boolean | undefined {
  if (x > 7 || y > 7) return undefined;
  if (x === 7 || y === 7) return false;
  const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
  return ring !== 2;
}

/** Escapes text for XML/HTML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
