import { expect } from 'chai';
import { escapeHtml, html, rawHtml } from '../../src/http/console/html.js';

describe('the console’s HTML template', () => {
  it('escapes interpolated text for element content and quoted attributes', () => {
    const text = `"><script>alert('x')</script>&\``;
    expect(html`<p title="${text}">${text}</p>`.value).to.equal(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;</p>',
    );
  });

  it('keeps nested templates, joins lists and drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((s) => html`<li>${s}</li>`);
    // prettier-ignore
    const list = html`<ul>${items}</ul>${null}${undefined}${false}${0}`;
    expect(list.value).to.equal('<ul><li>&lt;a&gt;</li><li>b</li></ul>0');
  });

  it('passes only explicitly trusted markup through unescaped', () => {
    expect(html`${rawHtml('<b>ok</b>')}${'<b>no</b>'}`.value).to.equal('<b>ok</b>&lt;b&gt;no&lt;/b&gt;');
    expect(escapeHtml('plain text')).to.equal('plain text');
  });
});
