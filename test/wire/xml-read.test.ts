import { expect } from 'chai';
import { readFlatXml, readXmlRoot } from '../../src/wire/xml-read.js';
import { expectWireError, fixture, fixtureNames } from './helpers.js';

const HEADER =
  '<ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>' +
  '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>';
const content = (inner: string): string => `<xml>${HEADER}<Content>${inner}</Content><MsgId>1</MsgId></xml>`;

describe('wire/xml-read: the strict reader (INTERFACE.md §3)', () => {
  it('reads flat and nested pushes: bare text trimmed, CDATA verbatim, repeats as arrays', () => {
    expect(
      readXmlRoot(
        '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <A><![CDATA[  kept  ]]></A>\n  <B>  trimmed \t</B>\n</xml>\n',
      ),
    ).to.deep.equal({ A: '  kept  ', B: 'trimmed' });
    expect(
      readXmlRoot('\uFEFF<xml><A></A><B/><C>a > b</C><D><![CDATA[<!DOCTYPE x>]]></D><E>你好 🎉</E></xml>'),
    ).to.deep.equal({ A: '', B: '', C: 'a > b', D: '<!DOCTYPE x>', E: '你好 🎉' });
    expect(
      readXmlRoot('<xml><L><i>1</i><i>2</i></L><!-- c --><?pi x?><M> <n>3</n> </M></xml>'),
    ).to.deep.equal({
      L: { i: ['1', '2'] },
      M: { n: '3' },
    });
  });

  it('decodes character references and the five predefined entities in bare text, not in CDATA', () => {
    expect(readXmlRoot(content('&#65;&#x4E2D;&#x1F389; &lt;&gt;&amp;&quot;&apos;'))['Content']).to.equal(
      'A中🎉 <>&"\'',
    );
    expect(readXmlRoot(content('<![CDATA[&#65;&amp;]]>'))['Content']).to.equal('&#65;&amp;');
    expect(readXmlRoot(content('a<![CDATA[]]]]><![CDATA[>]]>b'))['Content']).to.equal('a]]>b');
  });

  it('normalises line ends to \\n, and trims XML white space only', () => {
    expect(readXmlRoot(content('<![CDATA[a\r\nb\rc]]>'))['Content']).to.equal('a\nb\nc');
    expect(readXmlRoot(content('\u3000hi\u00a0 \n'))['Content']).to.equal('\u3000hi\u00a0');
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['a mismatched end tag', '<xml><A>1</B></xml>', /does not match/],
    ['a missing end tag', '<xml><A>1</xml>', /does not match|end tag/],
    ['an unclosed root', '<xml><A>1</A>', /no end tag/],
    ['NUL in text', content('o\u0000x'), /U\+0000/],
    ['a control character in CDATA', content('<![CDATA[\u0007]]>'), /U\+0007/],
    ['U+FFFF', content('\uFFFF'), /U\+FFFF/],
    ['a lone surrogate', content('\uD800x'), /U\+D800/],
    ['"]]>" in bare text', content('a]]>b'), /\]\]>/],
    ['an unquoted attribute', '<xml><A x=1>1</A></xml>', /attributes|malformed/],
    ['a quoted attribute', '<xml><A x="1">1</A></xml>', /attributes/],
    ['an undeclared entity', content('&nbsp;'), /undeclared entity/],
    ['a bare ampersand', content('a & b'), /bare "&"/],
    ['a reference to NUL', content('&#0;'), /not an XML character/],
    ['a reference to a surrogate', content('&#xD800;'), /not an XML character/],
    ['a reference past U+10FFFF', content('&#x110000;'), /not an XML character/],
    ['"--" in a comment', '<xml><!-- a -- b --><A>1</A></xml>', /--/],
    ['a declaration not at the start', ' <?xml version="1.0"?><xml/>', /declaration/],
    ['a malformed declaration', '<?xml version=1.0?><xml/>', /declaration/],
    ['text after the root', '<xml><A>1</A></xml>x', /after the root/],
    ['"<" in text', content('a < b'), /element name/],
    ['text beside child elements', '<xml>text<A>1</A></xml>', /mixes text/],
    ['a DOCTYPE', '<!DOCTYPE xml><xml/>', /DOCTYPE/],
    ['a root other than xml', '<root><A>1</A></root>', /root/],
    ['two roots', '<xml><A>1</A></xml><xml/>', /root/],
    ['__proto__', '<xml><__proto__>1</__proto__></xml>', /__proto__/],
    ['deep nesting', `<xml>${'<a>'.repeat(20)}${'</a>'.repeat(20)}</xml>`, /deeper/],
  ];
  for (const [what, xml, message] of malformed) {
    it(`refuses ${what}`, () => {
      expectWireError(() => readXmlRoot(xml), 'xml', { code: -40002, message });
    });
  }

  it('reads a large nested body in linear time, refusing it without a parser blow-up', () => {
    // 975 KB of nesting and 100 000 short elements: each is one pass (no timing assertion, see ARCHITECTURE).
    const nested = `<xml>${'<a>'.repeat(120_000)}`;
    expectWireError(() => readXmlRoot(nested), 'xml', { message: /deeper/ });
    const flat = `<xml>${'<a>1</a>'.repeat(100_000)}</xml>`;
    expect((readXmlRoot(flat)['a'] as string[]).length).to.equal(100_000);
  });
});

describe('wire/xml-read: the fast path for flat pushes', () => {
  const flat = (inner: string): string => `<xml>${HEADER}<Content>${inner}</Content></xml>`;

  it('takes every flat fixture push, and gives what the strict reader gives', () => {
    let taken = 0;
    for (const name of fixtureNames('inbound')) {
      const xml = fixture(`inbound/${name}`).replace(/\r\n?/g, '\n');
      const read = readFlatXml(xml);
      if (read === undefined) continue;
      taken++;
      expect(read, name).to.deep.equal(readXmlRoot(`${xml}<!---->`));
    }
    expect(taken).to.be.above(15);
  });

  it('reads CDATA verbatim and bare text trimmed, with astral characters and line ends', () => {
    expect(readFlatXml(flat('<![CDATA[ a<b&c \r\n\t🎉 ]]>'))?.['Content']).to.equal(' a<b&c \r\n\t🎉 ');
    expect(readFlatXml(`\uFEFF${flat(' \t中 🎉\n ')}\n`)?.['Content']).to.equal('中 🎉');
    expect(readFlatXml(flat(''))?.['Content']).to.equal('');
  });

  it('leaves to the strict reader what it does not take: non-Chars, markup, references, repeats', () => {
    for (const inner of [
      '\uD83C', // a lone high surrogate
      '\uDF89x', // a lone low surrogate
      '<![CDATA[\uD83C]]>',
      '<![CDATA[a\uDF89]]>',
      'a\u0001',
      '<![CDATA[\u000B]]>',
      '\uFFFE',
      '<![CDATA[\uFFFF]]>',
      'a]b',
      '<![CDATA[a]b]]>',
      'a&amp;b',
      '<b>1</b>',
      '<![CDATA[a]]><![CDATA[b]]>',
    ]) {
      expect(readFlatXml(flat(inner)), JSON.stringify(inner)).to.equal(undefined);
    }
    for (const xml of [
      `<xml>${HEADER}<MsgType>x</MsgType></xml>`,
      `<xml>${HEADER}<toString>x</toString></xml>`,
      `<xml>${HEADER}<A>x</A ></xml>`,
      `<xml>${HEADER}<A>x</B></xml>`,
      `<xml>${HEADER}<A>x</A>`,
      `<xml>${HEADER}</xml>x`,
      `<?xml version="1.0"?><xml>${HEADER}</xml>`,
      `<xml>${HEADER}\r</xml>`,
    ]) {
      expect(readFlatXml(xml), xml).to.equal(undefined);
    }
  });
});
