import assert from 'node:assert/strict';
import {test} from 'node:test';

import {element, fake_document} from './fake_dom.mjs';
import {web_module} from './web_module.mjs';

const {parse_markdown, parse_inline, render_markdown, safe_href} = await web_module('markdown.js');

const render = (md) => render_markdown(md, fake_document);
const tags = (root) => [...root.walk()].map((e) => e.tag);
const allowed_tags = new Set(['div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'ul', 'ol', 'li',
                              'strong', 'em', 'code', 'pre', 'a', 'br', 'table', 'thead',
                              'tbody', 'tr', 'th', 'td']);
const allowed_attributes = new Set(['class', 'href', 'rel', 'scope', 'start']);

/** Every element is one the renderer may make, with only attributes it may set. */
function assert_inert(root) {
  for (const e of root.walk()) {
    assert.ok(allowed_tags.has(e.tag), `unexpected element <${e.tag}>`);
    for (const [name, value] of e.attributes) {
      assert.ok(allowed_attributes.has(name), `unexpected attribute ${name}`);
      if (name === 'href') assert.match(value, /^https?:\/\//);
    }
  }
}

test('headings, paragraphs, bold, italic and inline code', () => {
  const root = render('# Ingestion Summary\n\n**Status:** success and *fast*, run `abc`\n');
  assert.deepEqual(tags(root), ['div', 'h3', 'p', 'strong', 'em', 'code']);
  assert.equal(root.children[0].textContent, 'Ingestion Summary');
  assert.equal(root.children[1].textContent, 'Status: success and fast, run abc');
  assert.equal(root.className, 'markdown');
});

test('heading levels shift under the page and stop at h6', () => {
  const root = render_markdown('# a\n\n###### f', fake_document, 1);
  assert.deepEqual(root.children.map((c) => c.tag), ['h2', 'h6']);
});

test('two trailing spaces make a line break; a single newline is a space', () => {
  const root = render('**Status:** ok  \n**Run:** x\nsame line');
  const p = root.children[0];
  assert.equal(p.find_all('br').length, 1);
  assert.equal(p.textContent, 'Status: okRun: x same line');
});

test('bullet and numbered lists, with continuation lines', () => {
  const root = render('- one\n- two\n  more\n\n3. three\n4. four');
  assert.deepEqual(root.children.map((c) => c.tag), ['ul', 'ol']);
  assert.deepEqual(root.children[0].children.map((li) => li.textContent), ['one', 'two more']);
  assert.equal(root.children[1].getAttribute('start'), '3');
});

test('pipe tables with alignment, escaped bars and inline markup in cells', () => {
  const md = '| queue | rows |\n|---|---:|\n| page\\|views | 12 |\n| **total** | **12** |\n';
  const root = render(md);
  const [table] = root.find_all('table');
  assert.ok(table);
  assert.deepEqual(table.find_all('th').map((c) => c.textContent), ['queue', 'rows']);
  assert.deepEqual(table.find_all('td').map((c) => c.textContent),
                   ['page|views', '12', 'total', '12']);
  assert.equal(table.find_all('th')[1].className, 'num');
  assert.equal(table.find_all('td')[3].find_all('strong').length, 1);
});

test('a table row with too few cells is padded, extra cells are dropped', () => {
  const [block] = parse_markdown('| a | b |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |');
  assert.equal(block.type, 'table');
  assert.deepEqual(block.rows.map((r) => r.length), [2, 2]);
});

test('fenced code keeps its text verbatim', () => {
  const root = render('```\n<b>not bold</b> **nor this**\n```');
  assert.deepEqual(tags(root), ['div', 'pre', 'code']);
  assert.equal(root.textContent, '<b>not bold</b> **nor this**');
});

test('a <script> and an <img onerror> stay visible text', () => {
  const md = '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n# <i>x</i>';
  const root = render(md);
  assert_inert(root);
  assert.deepEqual(tags(root), ['div', 'p', 'p', 'h3']);
  assert.equal(root.children[0].textContent, '<script>alert(1)</script>');
  assert.equal(root.children[1].textContent, '<img src=x onerror="alert(2)">');
  assert.equal(root.children[2].textContent, '<i>x</i>');
});

test('HTML in table cells and list items is text', () => {
  const md = '| a | b |\n|---|---|\n| <script>x()</script> | <img src=x onerror=y()> |\n\n' +
             '- <iframe src="https://evil.example"></iframe>';
  const root = render(md);
  assert_inert(root);
  assert.equal(root.find_all('td')[0].textContent, '<script>x()</script>');
  assert.equal(root.find_all('td')[1].textContent, '<img src=x onerror=y()>');
  assert.equal(root.find_all('li')[0].textContent, '<iframe src="https://evil.example"></iframe>');
});

test('only http(s) links become links, with rel=noopener', () => {
  const root = render('[docs](https://example.com/a?b=1) [plain](http://example.com) ' +
                      '[bad](javascript:alert(1)) [worse](JavaScript:alert(1)) ' +
                      '[data](data:text/html,<script>x</script>) [rel](/admin) ' +
                      '[spaced]( javascript:alert(1))');
  assert_inert(root);
  const links = root.find_all('a');
  assert.deepEqual(links.map((a) => a.getAttribute('href')),
                   ['https://example.com/a?b=1', 'http://example.com/']);
  for (const a of links) assert.equal(a.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(root.textContent, 'docs plain bad worse data rel spaced');
});

test('safe_href accepts only absolute http and https', () => {
  assert.equal(safe_href('https://x.example/p'), 'https://x.example/p');
  assert.equal(safe_href('HTTP://x.example'), 'http://x.example/');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', '//x.example', '/p', 'vbscript:x',
                     'https://', '', null]) {
    assert.equal(safe_href(bad), null, String(bad));
  }
});

test('underscores inside words are not emphasis; unmatched markers stay as text', () => {
  assert.deepEqual(parse_inline('model_results and raw_data_x'),
                   [{type: 'text', text: 'model_results and raw_data_x'}]);
  assert.deepEqual(parse_inline('2 * 3 = 6 and **open'),
                   [{type: 'text', text: '2 * 3 = 6 and **open'}]);
  assert.deepEqual(parse_inline('\\*not em\\*'), [{type: 'text', text: '*not em*'}]);
});

test('deep nesting and long hostile input finish quickly and stay text', () => {
  const nested = '*'.repeat(200) + 'x' + '*'.repeat(200);
  const noisy = '**a '.repeat(5000) + '`'.repeat(3000) + '[x]('.repeat(3000) + '_a '.repeat(5000);
  const started = process.hrtime.bigint();
  const root = render(`${nested}\n\n${noisy}`);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert_inert(root);
  assert.ok(root.textContent.includes('x'));
  // Quadratic scanning would take seconds here; generous for a loaded machine.
  assert.ok(ms < 3000, `took ${ms} ms`);
});

test('the renderer builds nodes only (the fake DOM throws on innerHTML)', () => {
  const root = render('text');
  assert.ok(root instanceof element);
  assert.throws(() => root.innerHTML, /innerHTML/);
});
