import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A value written without CDATA: numbers of §3.1 (CreateTime, MsgId — kept as a string, it is 64-bit). */
export interface Bare {
  readonly bare: string;
}

/** One field of an inbound message: strings go in CDATA, numbers and `Bare` are written as they are. */
export type XmlValue = string | number | Bare | undefined;

/** CDATA section; a `]]>` inside is split across two sections, the only way XML allows it. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** Renders `<xml>…</xml>` in field order, the way WeChat writes pushes (§3.1); undefined fields are left out. */
export function buildXml(fields: Record<string, XmlValue>): string {
  let out = '<xml>';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text =
      typeof value === 'string' ? cdata(value) : typeof value === 'number' ? String(value) : value.bare;
    out += `<${name}>${text}</${name}>`;
  }
  return out + '</xml>';
}

const parser = new XMLParser({
  ignoreAttributes: true,
  // Every value stays a string: MsgId is 64-bit and Content must keep its exact text (§3.1).
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Why a body is not WeChat XML. */
export class XmlShapeError extends Error {
  override readonly name = 'XmlShapeError';
}

/**
 * Parses `<xml>…</xml>` into its fields: values are strings, nested elements objects, whitespace between
 * elements dropped, and repeated `item` (news Articles) always an array (§3.1: normalise to arrays).
 */
export function parseWechatXml(text: string): Record<string, unknown> {
  if (/<!DOCTYPE/i.test(text)) throw new XmlShapeError('DOCTYPE is not allowed');
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    throw new XmlShapeError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc: unknown = parser.parse(text);
  const root = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['xml'] : undefined;
  if (root === undefined) throw new XmlShapeError('the root element must be <xml>');
  if (typeof root === 'string') return {};
  return clean(root) as Record<string, unknown>;
}

function clean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clean);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '#text' && typeof value === 'string' && value.trim() === '') continue;
    out[key] = key === 'item' && !Array.isArray(value) ? [clean(value)] : clean(value);
  }
  return out;
}

/** A field as a string, or undefined when absent or not text. */
export function field(fields: Record<string, unknown>, name: string): string | undefined {
  const v = fields[name];
  return typeof v === 'string' ? v : undefined;
}
