import assert from 'node:assert/strict';
import {test} from 'node:test';

import {web_module} from './web_module.mjs';

const f = await web_module('format.js');

test('durations read naturally at every scale', () => {
  assert.equal(f.format_duration(null), '—');
  assert.equal(f.format_duration(-1), '—');
  assert.equal(f.format_duration(0.0724), '72 ms');
  assert.equal(f.format_duration(3.14159), '3.14 s');
  assert.equal(f.format_duration(42.25), '42.3 s');
  assert.equal(f.format_duration(245), '4 min 05 s');
  assert.equal(f.format_duration(7380), '2 h 03 min');
});

test('times: UTC for the hover text, the given zone for the cell', () => {
  const d = f.parse_time('2026-03-29T01:30:00.123456Z');
  assert.equal(f.format_utc(d), '2026-03-29 01:30:00 UTC');
  // Berlin switched to summer time at 01:00 UTC that day: 03:30 local.
  assert.equal(f.format_local(d, d, 'Europe/Berlin'), '03:30:00');
  const next_day = new Date(d.getTime() + 86400e3);
  assert.equal(f.format_local(d, next_day, 'UTC'), '2026-03-29 01:30:00');
  assert.equal(f.parse_time(null), null);
  assert.equal(f.parse_time('not a time'), null);
});

test('relative times', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const at = (s) => new Date(now.getTime() + s * 1000);
  assert.equal(f.format_relative(at(0.5), now), 'just now');
  assert.equal(f.format_relative(at(40), now), 'in 40 s');
  assert.equal(f.format_relative(at(-600), now), '10 min ago');
  assert.equal(f.format_relative(at(-7200), now), '2 h ago');
  assert.equal(f.format_relative(at(3 * 86400), now), 'in 3 d');
});

test('the URL holds the runs view and the open run', () => {
  assert.deepEqual(f.parse_view('?flow=load&state=failed&before=r9&limit=5', ''),
                   {flow: 'load', state: 'failed', before: 'r9', limit: 5, run: ''});
  assert.deepEqual(f.parse_view('?run=abc', ''),
                   {flow: '', state: '', before: '', limit: 0, run: 'abc'});
  assert.equal(f.parse_view('?run=abc', '#run=def').run, 'def');
  assert.equal(f.parse_view('?state=bogus', '').state, '');
  for (const bad of ['0', '501', '-1', '2.5', 'x', '1e2']) {
    assert.equal(f.parse_view(`?limit=${bad}`, '').limit, 0, bad);
  }
  assert.equal(f.view_query({flow: 'load', state: '', before: '', limit: 0}), '?flow=load');
  assert.equal(f.view_query({flow: '', state: '', before: '', limit: 0}), '');
  assert.equal(f.view_query({flow: 'a&b', state: 'failed', before: 'x', limit: 0}),
               '?flow=a%26b&state=failed&before=x');
  assert.equal(f.runs_api_path({flow: 'load', state: 'completed', before: '', limit: 0}),
               `/api/runs?flow=load&state=completed&limit=${f.default_page_size}`);
  assert.equal(f.runs_api_path({flow: '', state: '', before: 'r1', limit: 2}),
               '/api/runs?before=r1&limit=2');
  const v = {flow: 'transform', state: 'crashed', before: 'r1', limit: 10, run: ''};
  assert.deepEqual(f.parse_view(f.view_query(v), ''), v);
});

test('table artifacts: rows of objects or columns with rows', () => {
  const t = f.table_of([{queue: 'page_views', rows: 3}, {queue: 'x', rows: null, extra: {a: 1}}]);
  assert.deepEqual(t.columns, ['queue', 'rows', 'extra']);
  assert.deepEqual(t.rows, [['page_views', '3', ''], ['x', '', '{"a":1}']]);
  assert.deepEqual(t.numeric, [false, true, false]);
  const c = f.table_of({columns: ['a', 'b'], rows: [[1, '<b>x</b>']]});
  assert.deepEqual(c.rows, [['1', '<b>x</b>']]);
  assert.equal(f.table_of('text'), null);
  assert.equal(f.table_of([1, 2]), null);
  assert.equal(f.table_of(null), null);
  assert.deepEqual(f.table_of([]), {columns: [], rows: [], numeric: []});
});

test('short run ids keep the random tail of a UUIDv7', () => {
  assert.equal(f.short_id('01a24425-1563-7615-a8d0-49d3e201d006'), 'e201d006');
  assert.equal(f.short_id('abc'), 'abc');
});

test('a flow is disabled, running, pending or idle', () => {
  assert.equal(f.flow_activity({enabled: false, running: true}), 'disabled');
  assert.equal(f.flow_activity({enabled: true, running: true, pending: true}), 'running');
  assert.equal(f.flow_activity({enabled: true, running: false, pending: true}), 'pending');
  assert.equal(f.flow_activity({enabled: true, running: false, pending: false}), 'idle');
});
