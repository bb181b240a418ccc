import { expect } from 'chai';
import { readFlatXml, readXmlRoot } from '../../src/wire/xml-read.js';

describe('wire/xml-read: the flat reader', () => {
  it('reads a flat push exactly as the parser does', () => {
    for (const xml of [
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1700000000</CreateTime></xml>',
      '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <A><![CDATA[  kept  ]]></A>\n  <B>  trimmed \t</B>\n</xml>\n',
      '\uFEFF<xml><A></A><B><![CDATA[]]></B><C>a > b</C><D><![CDATA[<!DOCTYPE x>]]></D></xml>',
      '<xml><Content><![CDATA[你好 🎉]]></Content><Idx>1</Idx></xml>',
    ]) {
      expect(readFlatXml(xml), xml).to.deep.equal(readXmlRoot(xml));
    }
  });

  it('leaves everything else to the parser and its guards', () => {
    for (const xml of [
      '<xml><A>1</A><A>2</A></xml>', // repeated: an array
      '<xml><__proto__>x</__proto__></xml>',
      '<xml><constructor>x</constructor></xml>',
      '<xml><A>&lt;b&gt;</A></xml>', // entities
      '<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A></xml>', // split CDATA
      '<xml><A><B>1</B></A></xml>', // nested
      '<xml><A x="1">1</A></xml>', // attribute
      '<!DOCTYPE xml [<!ENTITY e "x">]><xml><A>1</A></xml>',
      '<xml><A/></xml>',
      '<xml><!-- c --><A>1</A></xml>',
      '<xml>text<A>1</A></xml>',
      '<xml><A>1</A></xml><xml/>',
      '<root><A>1</A></root>',
    ]) {
      expect(readFlatXml(xml), xml).to.equal(undefined);
    }
  });
});
