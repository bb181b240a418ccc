/**
 * Fuzzing the wire's reader against an independent oracle (issue 9, defect 5). A seeded PRNG mutates the
 * bytes of the real pushes in fixtures/inbound a few thousand times. The oracle is a fatal TextDecoder for
 * UTF-8 and saxes (a dev dependency only, strict about XML 1.0 well-formedness) for the XML; production
 * uses neither. Properties:
 * - the reader never accepts a body the oracle finds malformed;
 * - it accepts every well-formed body of WeChat's subset (root <xml>, no DOCTYPE, no attributes, ASCII
 *   names, no text beside child elements, depth ≤ 16);
 * - reading and parsing a push throw nothing but WireError.
 */
import { expect } from 'chai';
import { SaxesParser } from 'saxes';
import { decodeUtf8, parseInbound, WireError } from '../../src/wire/index.js';
import { readFlatXml, readXmlRoot } from '../../src/wire/xml-read.js';
import { fixture, fixtureNames } from './helpers.js';

const SEED = 0x9e3779b9;
const RUNS = Number(process.env.FUZZ_RUNS ?? 4000);

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** What a mutation inserts or writes over: markup, references, and bytes that are bad UTF-8 or bad XML. */
const TOKENS: Buffer[] = [
  ...[
    '<',
    '>',
    '&',
    ';',
    ']',
    ']]>',
    '<![CDATA[',
    '<!--',
    '-->',
    '--',
    '<?pi x?>',
    '<?xml?>',
    '<?xml version="1.0"?>',
    '<!DOCTYPE xml>',
    '&#65;',
    '&#x4E2D;',
    '&#0;',
    '&#xD800;',
    '&#x110000;',
    '&amp;',
    '&lt;',
    '&quot;',
    '&nbsp;',
    '"',
    "'",
    '=',
    ' a=b',
    ' a="b"',
    '</a>',
    '<a>',
    '<a/>',
    '<b>1</b>',
    '/',
    '!',
    '?',
    ' ',
    '\n',
    '\r',
    '\r\n',
    '\t',
    'x',
    '中',
    '🎉',
  ].map(utf8),
  Buffer.from([0x00]),
  Buffer.from([0x01]),
  Buffer.from([0x08]),
  Buffer.from([0x0b]),
  Buffer.from([0x1f]),
  Buffer.from([0x7f]),
  Buffer.from([0x80]),
  Buffer.from([0xc3]),
  Buffer.from([0xc0, 0x80]), // overlong NUL
  Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate encoded in UTF-8
  Buffer.from([0xef, 0xbf, 0xbe]), // U+FFFE: valid UTF-8, not an XML Char
  Buffer.from([0xef, 0xbf, 0xbf]), // U+FFFF
  Buffer.from([0xef, 0xbb, 0xbf]), // a BOM in the middle
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
  Buffer.from([0xff]),
];

function mutate(source: Buffer, random: () => number): Buffer {
  const pick = (n: number): number => Math.floor(random() * n);
  const splice = (b: Buffer, at: number, remove: number, insert: Buffer): Buffer =>
    Buffer.concat([b.subarray(0, at), insert, b.subarray(Math.min(b.length, at + remove))]);
  let bytes = source;
  const rounds = random() < 0.7 ? 1 : 2 + pick(2);
  for (let r = 0; r < rounds; r++) {
    // Half the time inside a value (after a '>' or a CDATA opener), where many changes stay well-formed.
    const latin1 = bytes.toString('latin1');
    const values = [...latin1.matchAll(/<!\[CDATA\[|>(?=[^<])/g)].map((m) => (m.index ?? 0) + m[0].length);
    const at =
      random() < 0.5 && values.length > 0 ? (values[pick(values.length)] as number) : pick(bytes.length + 1);
    const token = TOKENS[pick(TOKENS.length)] as Buffer;
    switch (pick(7)) {
      case 0: // overwrite
        bytes = splice(bytes, at, token.length, token);
        break;
      case 1: // insert
        bytes = splice(bytes, at, 0, token);
        break;
      case 2: // delete a few bytes
        bytes = splice(bytes, at, 1 + pick(8), Buffer.alloc(0));
        break;
      case 3: {
        // change a letter of a tag name, often making start and end tags disagree
        const tags = [...latin1.matchAll(/<\/?([A-Za-z])/g)];
        const tag = tags[pick(tags.length)];
        if (tag !== undefined) {
          bytes = Buffer.from(bytes);
          bytes[(tag.index ?? 0) + tag[0].length - 1] = 0x61 + pick(26);
        }
        break;
      }
      case 4: // duplicate a slice
        bytes = splice(bytes, at, 0, bytes.subarray(at, at + 1 + pick(40)));
        break;
      case 5: // cut the end off
        bytes = bytes.subarray(0, at);
        break;
      default: // the token twice
        bytes = splice(bytes, at, 0, Buffer.concat([token, token]));
    }
  }
  return bytes;
}

const NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/** The oracle's verdict: well-formed or not, and whether the document is in WeChat's subset. */
function oracle(bytes: Buffer): { wellFormed: boolean; inSubset: boolean } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { wellFormed: false, inSubset: false };
  }
  let wellFormed = true;
  let inSubset = true;
  const stack: Array<{ children: boolean; text: boolean }> = [];
  let roots = 0;
  const parser = new SaxesParser();
  // The first error decides; stop there (saxes would go on guessing and reporting more).
  parser.on('error', (err) => {
    wellFormed = false;
    throw err;
  });
  parser.on('xmldecl', (decl) => {
    if (decl.version !== '1.0' && decl.version !== undefined) inSubset = false; // 1.1 has other Char rules
  });
  parser.on('doctype', () => (inSubset = false));
  parser.on('processinginstruction', (pi) => {
    if (!NAME.test(pi.target)) inSubset = false;
  });
  parser.on('opentag', (tag) => {
    if (stack.length === 0 && (roots++ > 0 || tag.name !== 'xml')) inSubset = false;
    if (Object.keys(tag.attributes).length > 0 || !NAME.test(tag.name) || tag.name === '__proto__') {
      inSubset = false;
    }
    const parent = stack.at(-1);
    if (parent !== undefined) parent.children = true;
    stack.push({ children: false, text: false });
    if (stack.length > 16) inSubset = false;
  });
  parser.on('closetag', () => {
    const element = stack.pop();
    if (element?.children && element.text) inSubset = false; // mixed content: not WeChat's shape
  });
  const content = (value: string, blankCounts: boolean): void => {
    const element = stack.at(-1);
    if (element !== undefined && (blankCounts ? value !== '' : /[^ \t\n\r]/.test(value))) element.text = true;
  };
  parser.on('text', (value) => content(value, false));
  parser.on('cdata', (value) => content(value, true));
  try {
    parser.write(text).close();
  } catch {
    wellFormed = false;
  }
  return { wellFormed, inSubset: wellFormed && inSubset };
}

/** Our side: decode, read; WireError → refused; anything else is a bug and is rethrown. */
function ours(bytes: Buffer): boolean {
  try {
    readXmlRoot(decodeUtf8(bytes));
  } catch (err) {
    if (err instanceof WireError) return false;
    throw err;
  }
  // The fast path and the strict reader (forced by a trailing comment) read a flat push alike.
  const text = decodeUtf8(bytes).replace(/\r\n?/g, '\n');
  const flat = readFlatXml(text);
  if (flat !== undefined) expect(flat).to.deep.equal(readXmlRoot(`${text}<!---->`));
  // A readable document may still not be a push: parsing it must fail with WireError only.
  try {
    parseInbound(decodeUtf8(bytes));
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
  }
  return true;
}

describe('wire/xml-read: fuzzed against an independent well-formedness oracle', () => {
  it(`agrees with saxes on ${RUNS} seeded mutations of the inbound fixtures`, () => {
    const sources = fixtureNames('inbound').map((name) => Buffer.from(fixture(`inbound/${name}`), 'utf8'));
    // The fixtures themselves, with a declaration and a BOM too, must all be read.
    for (const source of sources) {
      for (const variant of [
        source,
        Buffer.concat([Buffer.from('\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n'), source]),
      ]) {
        expect(oracle(variant).inSubset).to.equal(true);
        expect(ours(variant), variant.toString()).to.equal(true);
      }
    }
    const random = prng(SEED);
    // Thousands of refusals: no stack traces to capture (an assertion failure still reports its own).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const counts = { malformed: 0, accepted: 0, outsideSubset: 0 };
    const disagreements: string[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const bytes = mutate(sources[i % sources.length] as Buffer, random);
        const verdict = oracle(bytes);
        const accepted = ours(bytes);
        if (!verdict.wellFormed) counts.malformed++;
        else if (!verdict.inSubset) counts.outsideSubset++;
        if (accepted) counts.accepted++;
        const wrong = accepted ? !verdict.wellFormed : verdict.inSubset;
        if (wrong && disagreements.length < 10) {
          disagreements.push(
            `#${i} ${accepted ? 'accepted malformed' : 'refused well-formed'}: ${JSON.stringify(bytes.toString('latin1'))}`,
          );
        }
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    expect(disagreements, disagreements.join('\n')).to.deep.equal([]);
    // The mutations reach both sides of the line, so the agreement means something.
    expect(counts.malformed, JSON.stringify(counts)).to.be.above(RUNS / 4);
    expect(counts.accepted, JSON.stringify(counts)).to.be.above(RUNS / 10);
  });
});
