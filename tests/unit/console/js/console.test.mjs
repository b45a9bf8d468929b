import assert from 'node:assert/strict';
import {beforeEach, test} from 'node:test';

import {element, fake_document} from './fake_dom.mjs';
import {web_module} from './web_module.mjs';

globalThis.document = fake_document;
const c = await web_module('console.js');

/** A scripted fetch: answers in order, recording each request. */
function script_fetch(answers) {
  const calls = [];
  globalThis.fetch = async (url, init = {}) => {
    calls.push({url, method: init.method ?? 'GET', headers: init.headers ?? {}, body: init.body});
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request ${url}`);
    if (next instanceof Error) throw next;
    return {
      ok: next.status >= 200 && next.status < 300,
      status: next.status,
      statusText: next.statusText ?? '',
      text: async () => (typeof next.body === 'string' ? next.body : JSON.stringify(next.body)),
    };
  };
  return calls;
}

beforeEach(() => {
  delete globalThis.fetch;
});

test('el() makes text of strings and allows only same-site links', () => {
  const a = c.el('a', {href: '/pipeline?x=1', className: 'k', 'data-run': 'r1'}, '<b>x</b>', 2);
  assert.ok(a instanceof element);
  assert.equal(a.getAttribute('href'), '/pipeline?x=1');
  assert.equal(a.className, 'k');
  assert.equal(a.getAttribute('data-run'), 'r1');
  assert.deepEqual(a.children.map((n) => n.kind), ['text', 'text']);
  assert.equal(a.textContent, '<b>x</b>2');
  for (const bad of ['javascript:alert(1)', '//evil.example/', 'https://evil.example/',
                     ' /x', 'data:text/html,x']) {
    assert.equal(c.el('a', {href: bad}).getAttribute('href'), '#', bad);
  }
  assert.equal(c.el('a', {href: '#run=1'}).getAttribute('href'), '#run=1');
  assert.throws(() => c.el('div', {onclick: 'x()'}), /unsupported property onclick/);
  assert.throws(() => c.el('div', {style: 'color:red'}), /unsupported property style/);
});

test('a state badge carries a word and a symbol, and a class only from letters', () => {
  const b = c.state_badge('failed');
  assert.equal(b.className, 'state state-failed');
  assert.equal(b.textContent, '✗ failed');
  assert.equal(c.state_badge('x" onmouseover="y').className, 'state state-xonmouseovery');
});

test('a time shows local time with UTC on hover, or the fallback', () => {
  const t = c.time_el('2026-12-05T02:23:26.5Z');
  assert.equal(t.tag, 'time');
  assert.equal(t.getAttribute('datetime'), '2026-12-05T02:23:26.500Z');
  assert.equal(t.getAttribute('title'), '2026-12-05 02:23:26 UTC');
  assert.equal(c.time_el(null, {fallback: 'not started'}).textContent, 'not started');
});

test('get_json answers the body, or an error with the server\'s reason and status', async () => {
  script_fetch([{status: 200, body: {flows: []}},
                {status: 404, body: {status: 'error', error: 'no such run'}},
                {status: 401, body: ''},
                new TypeError('Failed to fetch')]);
  assert.deepEqual(await c.get_json('/api/flows'), {flows: []});
  await assert.rejects(c.get_json('/api/runs/x'),
                       (e) => e.status === 404 && e.message === 'no such run (HTTP 404).');
  await assert.rejects(c.get_json('/api/flows'),
                       (e) => e.status === 401 && /Not signed in/.test(e.message));
  await assert.rejects(c.get_json('/api/flows'),
                       (e) => e.status === 0 &&
                              /did not answer \(Failed to fetch\)/.test(e.message));
});

test('post_json fetches the CSRF token once and sends it with every POST', async () => {
  const calls = script_fetch([{status: 200, body: {token: 't1'}},
                              {status: 202, body: {run_id: 'r1'}},
                              {status: 202, body: {run_id: 'r2'}}]);
  assert.deepEqual(await c.post_json('/api/flows/load/run'), {run_id: 'r1'});
  assert.deepEqual(await c.post_json('/api/flows/load/run', {parameters: {a: 'b'}}),
                   {run_id: 'r2'});
  assert.deepEqual(calls.map((x) => `${x.method} ${x.url}`),
                   ['GET /api/csrf', 'POST /api/flows/load/run', 'POST /api/flows/load/run']);
  assert.equal(calls[1].headers['X-CSRF-Token'], 't1');
  assert.equal(calls[1].headers['Content-Type'], 'application/json');
  assert.equal(calls[2].body, '{"parameters":{"a":"b"}}');
});

test('a refused POST gets a fresh token and is tried once more, then reports', async () => {
  // The token cached by the previous test is stale now.
  const calls = script_fetch([{status: 403, body: {status: 'error', error: 'bad csrf token'}},
                              {status: 200, body: {token: 't2'}},
                              {status: 202, body: {run_id: 'r3'}}]);
  assert.deepEqual(await c.post_json('/api/flows/transform/run'), {run_id: 'r3'});
  assert.equal(calls[2].headers['X-CSRF-Token'], 't2');

  script_fetch([{status: 403, body: {error: 'cross-site request'}},
                {status: 200, body: {token: 't3'}},
                {status: 403, body: {error: 'cross-site request'}}]);
  await assert.rejects(c.post_json('/api/flows/transform/run'),
                       (e) => e.status === 403 &&
                              e.message === 'Refused (HTTP 403): cross-site request.');

  script_fetch([{status: 503, body: {error: 'the database is not ready'}}]);
  await assert.rejects(c.post_json('/api/flows/transform/run'),
                       (e) => e.status === 503 &&
                              e.message === 'the database is not ready (HTTP 503).');
});
