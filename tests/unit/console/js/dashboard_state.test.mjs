import assert from 'node:assert/strict';
import {test} from 'node:test';

import {web_module} from './web_module.mjs';

const s = await web_module('dashboard_state.js');

test('calendar days: real days only, arithmetic across months, years and leap days', () => {
  assert.equal(s.is_day('2024-02-29'), true);
  assert.equal(s.is_day('2025-02-29'), false);
  assert.equal(s.is_day('2026-13-01'), false);
  assert.equal(s.is_day('2026-1-01'), false);
  assert.equal(s.is_day("2026-01-01' or 1=1"), false);
  assert.equal(s.is_day(null), false);
  assert.equal(s.add_days('2026-03-01', -1), '2026-02-28');
  assert.equal(s.add_days('2024-03-01', -1), '2024-02-29');
  assert.equal(s.add_days('2026-12-31', 1), '2027-01-01');
  assert.equal(s.days_between('2026-11-06', '2026-12-05'), 30);
  assert.equal(s.days_between('2026-12-05', '2026-12-05'), 1);
});

test('the URL gives a fixed range, a preset, or the 30-day default; filters are checked', () => {
  assert.deepEqual(s.parse_view(''), {start: '', end: '', days: 30, filters: {}});
  assert.deepEqual(s.parse_view('?days=7'), {start: '', end: '', days: 7, filters: {}});
  assert.deepEqual(s.parse_view('?days=8').days, 30);
  assert.deepEqual(s.parse_view('?start=2026-11-01&end=2026-11-30&days=7'),
                   {start: '2026-11-01', end: '2026-11-30', days: 0, filters: {}});
  // A range the API would refuse falls back to the default instead of a page of errors.
  assert.equal(s.parse_view('?start=2026-11-30&end=2026-11-01').days, 30);
  assert.equal(s.parse_view('?start=2020-01-01&end=2026-11-01').days, 30);
  assert.equal(s.parse_view('?start=2026-02-30&end=2026-03-01').days, 30);
  assert.deepEqual(
      s.parse_view('?product=SM-1&category=Smart+phones&outcome=purchase&page=%2Fcart' +
                   '&source=(direct)&bogus=1').filters,
      {product: 'SM-1', category: 'Smart phones', outcome: 'purchase', page: '/cart',
       source: '(direct)'});
  assert.deepEqual(s.parse_view('?outcome=everything&product=').filters, {});
  assert.deepEqual(s.parse_view(`?page=${'x'.repeat(201)}`).filters, {});
});

test('a view round-trips through its query string', () => {
  for (const q of ['', '?days=7', '?days=90', '?start=2026-11-01&end=2026-11-30',
                   '?start=2026-11-01&end=2026-11-30&product=SM-1&page=%2Fcart',
                   '?days=7&category=Laptops&outcome=bounce&source=%28direct%29']) {
    assert.equal(s.view_query(s.parse_view(q)), q);
  }
  // The default preset is not written out.
  assert.equal(s.view_query({start: '', end: '', days: 30, filters: {}}), '');
  // Filters are written in one order, whatever order they were set in.
  const v = s.with_filter(s.with_filter(s.parse_view(''), 'source', 'google'), 'product', 'P1');
  assert.equal(s.view_query(v), '?product=P1&source=google');
  assert.equal(s.view_query(s.with_filter(v, 'product', '')), '?source=google');
});

test('the API address of a panel binds the range and filters as query parameters', () => {
  const range = s.view_range({days: 7}, '2026-12-05');
  assert.deepEqual(range, {start: '2026-11-29', end: '2026-12-05'});
  assert.deepEqual(s.view_range({start: '2026-01-01', end: '2026-01-31', days: 0}, '2026-12-05'),
                   {start: '2026-01-01', end: '2026-01-31'});
  assert.equal(s.panel_path('kpis', range, {product: "a'b&c=d", page: '/cart'}),
               '/api/dashboard/kpis?start=2026-11-29&end=2026-12-05&product=a%27b%26c%3Dd' +
               '&page=%2Fcart');
  assert.equal(s.panel_path('live', null, {}), '/api/dashboard/live');
  assert.equal(s.panel_path('health'), '/api/dashboard/health');
});

test('a picked range is refused with a reason the user can act on', () => {
  assert.equal(s.range_problem('2026-11-01', '2026-11-30'), '');
  assert.match(s.range_problem('', '2026-11-30'), /start is not a date/);
  assert.match(s.range_problem('2026-11-01', '2026-11-31'), /end is not a date/);
  assert.match(s.range_problem('2026-11-30', '2026-11-01'), /before the start/);
  assert.match(s.range_problem('2023-01-01', '2026-01-01'), /longer than 1096 days/);
  assert.equal(s.range_problem('2023-01-02', '2026-01-01'), '');  // 1096 days, a leap day in
});

test('numbers, money, rates and lags are formatted for reading', () => {
  assert.equal(s.format_count(1234567), '1,234,567');
  assert.equal(s.format_count(null), '—');
  assert.equal(s.format_money(96759.2), '$96,759.20');
  assert.equal(s.format_money(undefined), '—');
  assert.equal(s.format_money_short(12500), '$12.5K');
  assert.equal(s.format_percent(0.21973), '22.0%');
  assert.equal(s.format_percent(0.5, 0), '50%');
  assert.equal(s.format_percent(null), '—');
  assert.equal(s.format_decimal(39.256), '39.26');
  assert.equal(s.format_lag(57.2), '57 s');
  assert.equal(s.format_lag(600), '10.0 min');
  assert.equal(s.format_lag(null), '—');
  assert.equal(s.format_range({start: '2026-11-06', end: '2026-12-05'}),
               '6 Nov 2026 – 5 Dec 2026');
});

test('KPI deltas against the previous period: relative, in points, new, flat and missing', () => {
  assert.deepEqual(s.kpi_delta(223, 127, 'relative'),
                   {direction: 'up', text: '+75.6%', words: 'up 75.6% from 127'});
  assert.deepEqual(s.kpi_delta(50, 100, 'relative', s.format_money),
                   {direction: 'down', text: '−50.0%', words: 'down 50.0% from $100.00'});
  assert.equal(s.kpi_delta(5, 0).text, 'new');
  assert.equal(s.kpi_delta(0, 0).direction, 'flat');
  assert.equal(s.kpi_delta(100, 100).text, '±0%');
  const pp = s.kpi_delta(0.2197, 0.2047, 'points', s.format_percent);
  assert.equal(pp.text, '+1.5 pp');
  assert.equal(pp.words, 'up 1.5 points from 20.5%');
  assert.equal(s.kpi_delta(null, 0.2, 'points').direction, 'none');
  assert.equal(s.delta_arrow('up'), '▲');
  assert.equal(s.delta_arrow('down'), '▼');
  assert.equal(s.delta_arrow('none'), '');
});

test('CSV: quoting, formula injection and the columns of every panel', () => {
  assert.equal(s.csv_cell('plain'), 'plain');
  assert.equal(s.csv_cell('a,b'), '"a,b"');
  assert.equal(s.csv_cell('say "hi"'), '"say ""hi"""');
  assert.equal(s.csv_cell('two\nlines'), '"two\nlines"');
  assert.equal(s.csv_cell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(s.csv_cell('+1'), "'+1");
  assert.equal(s.csv_cell('@cmd'), "'@cmd");
  assert.equal(s.csv_cell(-12.5), '-12.5');
  assert.equal(s.csv_cell(null), '');
  assert.equal(s.csv_text(['a', 'b'], [[1, 'x'], [2, null]]), 'a,b\r\n1,x\r\n2,\r\n');

  const products = {
    range: {start: '2026-11-01', end: '2026-11-30'}, filters: {category: 'Smart phones/x'},
    products: [{product_id: 'P1', name: 'Phone, "Pro"', brand: 'B', category: 'Smart phones',
                revenue: 1019.99, units_sold: 2, views: 9}],
  };
  const csv = s.panel_csv('products', products);
  assert.equal(csv.name, 'gadgetgrove-products-2026-11-01_2026-11-30-category-Smart_phones_x.csv');
  assert.equal(csv.text, 'product_id,name,brand,category,revenue,units_sold,views\r\n' +
                         'P1,"Phone, ""Pro""",B,Smart phones,1019.99,2,9\r\n');
  const cohorts = s.panel_table('cohorts', {cohorts: [{cohort: '2026-11-02', size: 4, weeks: [
    {week: 0, active: 4, retention: 1}, {week: 2, active: 1, retention: 0.25}]}]});
  assert.deepEqual(cohorts.columns.slice(0, 4), ['cohort', 'size', 'week_0', 'week_1']);
  assert.deepEqual(cohorts.rows[0].slice(0, 5), ['2026-11-02', 4, 1, null, 0.25]);
  assert.equal(cohorts.columns.length, 11);
  for (const panel of ['kpis', 'daily', 'outcomes', 'funnel', 'products', 'cohorts', 'pages',
                       'sources', 'live']) {
    const t = s.panel_table(panel, {});
    assert.ok(t.columns.length >= 2, panel);
    assert.ok(Array.isArray(t.rows), panel);
  }
  assert.equal(s.panel_table('kpis', {}).rows.length, 4);
  assert.equal(s.panel_csv('nope', {}), null);
  assert.equal(s.panel_csv('live', {range: {start: 'a', end: 'b'}, per_minute: []}).name,
               'gadgetgrove-live.csv');
});

test('empty panels are found, and their reason names what is missing', () => {
  assert.equal(s.panel_is_empty('kpis', {kpis: {total_sessions: {value: 0}}}), true);
  assert.equal(s.panel_is_empty('kpis', {kpis: {total_sessions: {value: 3}}}), false);
  assert.equal(s.panel_is_empty('daily', {days: [{sessions: 0, revenue: 0}]}), true);
  assert.equal(s.panel_is_empty('outcomes', {outcomes: [{sessions: 0}, {sessions: 1}]}), false);
  assert.equal(s.panel_is_empty('funnel', {stages: [{sessions: 0}]}), true);
  assert.equal(s.panel_is_empty('products', {products: []}), true);
  assert.equal(s.panel_is_empty('cohorts', null), true);

  const range = {start: '2026-11-01', end: '2026-11-30'};
  const never = s.empty_reason({data_as_of: null, loader_lag_seconds: null}, range);
  assert.equal(never.kind, 'no_data');
  assert.match(never.text, /^No data yet: no events have been loaded/);
  const untransformed = s.empty_reason({data_as_of: null, loader_lag_seconds: 3}, range);
  assert.match(untransformed.text, /transformation has not run yet/);
  const stale = s.empty_reason({data_as_of: '2026-11-30T00:00:00Z', stale: true,
                                stale_flows: ['transform']}, range, {product: 'P1'});
  assert.equal(stale.kind, 'stale');
  assert.equal(stale.text, 'Nothing from 2026-11-01 to 2026-11-30 with these filters, and the ' +
                           'pipeline is stale (transform): newer data may not be here yet.');
  assert.deepEqual(s.empty_reason({data_as_of: '2026-11-30T00:00:00Z', stale: false}, range),
                   {kind: 'range', text: 'Nothing from 2026-11-01 to 2026-11-30.'});
});

test('filter chips name what they filter by', () => {
  assert.equal(s.filter_label('product', 'SM-1', {'SM-1': 'Lumen Nova'}), 'Product: Lumen Nova');
  assert.equal(s.filter_label('product', 'SM-2', {}), 'Product: SM-2');
  assert.equal(s.filter_label('outcome', 'cart_abandonment'), 'Outcome: Cart abandonment');
  assert.equal(s.filter_label('page', '/cart'), 'Page: /cart');
  assert.equal(s.filter_label('source', '(direct)'), 'Source: (direct)');
  assert.equal(s.filter_label('category', 'Laptops'), 'Category: Laptops');
});
