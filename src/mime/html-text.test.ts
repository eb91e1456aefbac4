import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText } from './html-text.ts';

test('htmlToText shows what a reader sees', async (t) => {
  const cases: [string, string, string][] = [
    ['plain tags stripped', '<b>Hello</b> <i>world</i>', 'Hello world'],
    ['block elements break lines', '<p>one</p><p>two</p><div>three</div>line<br>next', 'one\n\ntwo\n\nthree\nline\nnext'],
    ['script and style dropped', '<style>p{color:red}</style><script>alert("x<y")</script>text', 'text'],
    ['title dropped, body kept', '<html><head><title>T</title></head><body>B</body></html>', 'B'],
    ['comments dropped', 'a<!-- hidden <b>x</b> -->b', 'ab'],
    ['named and numeric entities', 'caf&eacute; &amp; &#x41;&#66; &lt;tag&gt; &nbsp;x', 'café & AB <tag> x'],
    ['link text kept, href not', '<a href="http://evil.example/">http://bank.example/</a>', 'http://bank.example/'],
    ['quoted > inside attribute', '<a title="a>b" href="x">link</a>', 'link'],
    ['literal less-than', 'if a < b then', 'if a < b then'],
    ['table cells separated', '<table><tr><td>a</td><td>b</td></tr></table>', 'a b'],
    ['source newlines are spaces', '  lots \n\n\n  of \t space  ', 'lots of space'],
    ['<pre>-less text keeps no line structure, <br> does', 'a\nb<br/>c', 'a b\nc'],
    ['doctype and xml pi', '<!DOCTYPE html><?xml version="1.0"?>x', 'x'],
    ['unclosed script swallows the rest (as browsers do)', 'a<script>b c d', 'a'],
    ['unclosed comment', 'a<!-- b', 'a'],
    ['empty', '', ''],
  ];
  for (const [name, html, text] of cases) await t.test(name, () => assert.equal(htmlToText(html), text));
});

test('htmlToText stays linear on hostile input', () => {
  const hostile = '<a href="'.repeat(20_000) + '<'.repeat(50_000) + ' '.repeat(100_000) + '<script>'.repeat(10_000);
  const t0 = performance.now();
  htmlToText(hostile);
  assert.ok(performance.now() - t0 < 1000, 'took too long');
});
