import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import {test} from 'node:test';

import {web_dir, web_module} from './web_module.mjs';

const c = await web_module('dashboard_charts.js');

const days = [
  {day: '2026-11-29', sessions: 6, revenue: 0, orders: 0, previous_sessions: 9,
   previous_revenue: 2119.99},
  {day: '2026-11-30', sessions: 9, revenue: 5019.96, orders: 2, previous_sessions: 8,
   previous_revenue: 7849.95},
];

// Every tooltip is drawn on the canvas: HTML tooltips would need inline style, which the
// console's CSP refuses.
function assert_canvas_tooltips(option) {
  assert.equal(option.tooltip.renderMode, 'richText');
  assert.equal(option.animation, false);
}

test('daily: sessions as bars on the left axis, revenue as a line on the right, the previous ' +
     'period faint', () => {
  const o = c.daily_option({days});
  assert_canvas_tooltips(o);
  assert.deepEqual(o.xAxis.data, ['2026-11-29', '2026-11-30']);
  assert.equal(o.yAxis.length, 2);
  const [sessions, revenue, prev_sessions, prev_revenue] = o.series;
  assert.deepEqual([sessions.type, sessions.yAxisIndex, sessions.data], ['bar', 0, [6, 9]]);
  assert.deepEqual([revenue.type, revenue.yAxisIndex, revenue.data], ['line', 1, [0, 5019.96]]);
  assert.deepEqual(prev_sessions.data, [9, 8]);
  assert.deepEqual(prev_revenue.data, [2119.99, 7849.95]);
  assert.equal(prev_sessions.yAxisIndex, 0);
  assert.equal(prev_revenue.yAxisIndex, 1);
  assert.ok(prev_sessions.lineStyle.opacity < 1 && prev_revenue.lineStyle.opacity < 1);
  assert.equal(c.short_day('2026-11-29'), 'Nov 29');
});

test('outcomes: all five in order, each in its fixed colour, whatever the answer holds', () => {
  const o = c.outcomes_option({outcomes: [{outcome: 'bounce', sessions: 4},
                                          {outcome: 'purchase', sessions: 2}]});
  assert_canvas_tooltips(o);
  const data = o.series[0].data;
  assert.deepEqual(data.map((d) => d.name),
                   ['Purchase', 'Checkout error', 'Cart abandonment', 'Browse only', 'Bounce']);
  assert.deepEqual(data.map((d) => d.value), [2, 0, 0, 0, 4]);
  assert.deepEqual(data.map((d) => d.itemStyle.color),
                   ['#009E73', '#D55E00', '#E69F00', '#56B4E9', '#8C8C8C']);
  assert.equal(o.series[0].type, 'pie');
  assert.equal(new Set(Object.values(c.outcome_colours)).size, 5);
});

test('the stylesheet swatches of the outcome table use the donut colours', async () => {
  const css = await readFile(new URL('console.css', web_dir), 'utf8');
  for (const [outcome, colour] of Object.entries(c.outcome_colours)) {
    assert.match(css, new RegExp(`\\.swatch-${outcome} \\{ background: ${colour}; \\}`),
                 outcome);
  }
});

test('funnel: five stages from the top, labelled with the share of the previous step and of ' +
     'the first', () => {
  const stages = [
    {stage: 'sessions', label: 'Sessions', sessions: 64, of_previous: 1, of_first: 1},
    {stage: 'browse', label: 'Browsed categories', sessions: 46, of_previous: 0.71875,
     of_first: 0.71875},
    {stage: 'product', label: 'Viewed product', sessions: 37, of_previous: 0.8043,
     of_first: 0.578},
    {stage: 'cart', label: 'Added to cart', sessions: 25, of_previous: 0.6757, of_first: 0.39},
    {stage: 'purchase', label: 'Purchased', sessions: 15, of_previous: 0.6, of_first: 0.234},
  ];
  const o = c.funnel_option({stages});
  assert_canvas_tooltips(o);
  assert.deepEqual(o.yAxis.data, stages.map((s) => s.label));
  assert.equal(o.yAxis.inverse, true);
  assert.deepEqual(o.series[0].data.map((d) => d.value), [64, 46, 37, 25, 15]);
  const label = o.series[0].label.formatter;
  assert.equal(label({dataIndex: 0}), '64');
  assert.equal(label({dataIndex: 2}), '37 · 80% · 58%');
  assert.equal(o.tooltip.formatter({dataIndex: 4}),
               'Purchased: 15 sessions\n60.0% of the previous step, 23.4% of all');
  // A stage with no sessions before it has no rate: it reads as "—", not as NaN.
  const none = c.funnel_option({stages: stages.map((s) => ({...s, sessions: 0,
                                                            of_previous: null,
                                                            of_first: null}))});
  assert.equal(none.series[0].label.formatter({dataIndex: 3}), '0 · — · —');
});

test('products: best on top, "N sold" beside each bar, and a click filters by the product', () => {
  const body = {products: [
    {product_id: 'P1', name: 'Phone', brand: 'B', category: 'Phones', revenue: 900,
     units_sold: 3, views: 10},
    {product_id: 'P2', name: 'Laptop', brand: 'C', category: 'Laptops', revenue: 500,
     units_sold: 1, views: 4},
  ]};
  const o = c.products_option(body);
  assert_canvas_tooltips(o);
  assert.deepEqual(o.yAxis.data, ['Phone', 'Laptop']);
  assert.equal(o.yAxis.inverse, true);
  assert.deepEqual(o.series[0].data.map((d) => d.value), [900, 500]);
  assert.equal(o.series[0].label.formatter({dataIndex: 1}), '1 sold');
  assert.deepEqual(c.click_filter('products', {componentType: 'series', dataIndex: 1}, body),
                   {key: 'product', value: 'P2'});
  assert.deepEqual(c.click_filter('products', {componentType: 'yAxis', value: 'Phone'}, body),
                   {key: 'product', value: 'P1'});
  assert.equal(c.click_filter('products', {componentType: 'series', dataIndex: 7}, body), null);
  assert.deepEqual(c.click_filter('outcomes', {componentType: 'series',
                                               name: 'Cart abandonment'}),
                   {key: 'outcome', value: 'cart_abandonment'});
  assert.equal(c.click_filter('daily', {componentType: 'series'}), null);
});

test('cohorts: weeks 0–8 across, % text, a shade per tenth, weeks not begun left blank', () => {
  const body = {cohorts: [
    {cohort: '2026-11-02', size: 4, weeks: Array.from({length: 9}, (_, w) => ({
      week: w, active: w === 0 ? 4 : 1, retention: w === 0 ? 1 : 0.25}))},
    {cohort: '2026-11-30', size: 2, weeks: [{week: 0, active: 2, retention: 1},
                                            {week: 1, active: 0, retention: 0}]},
  ]};
  const grid = c.cohort_grid(body, '2026-12-05');
  assert.deepEqual(grid.map((r) => [r.cohort, r.size, r.cells.length]),
                   [['2026-11-02', 4, 9], ['2026-11-30', 2, 9]]);
  // The first cohort's weeks 0–4 have begun by 5 Dec (week 4 starts 30 Nov); the second's
  // week 0 only: its week 1 reads blank, not 0%.
  assert.deepEqual(grid[0].cells.map((x) => x.text),
                   ['100%', '25%', '25%', '25%', '25%', '', '', '', '']);
  assert.deepEqual(grid[1].cells.map((x) => x.text), ['100%', '', '', '', '', '', '', '', '']);
  assert.deepEqual(grid[0].cells.slice(0, 2).map((x) => x.shade), ['heat-10', 'heat-3']);
  assert.equal(grid[1].cells[1].shade, 'heat-none');
  assert.equal(grid[1].cells[1].title, 'week 1 has not begun');
  assert.equal(grid[0].cells[1].title, 'Cohort 2026-11-02, week 1: 1 of 4 active');
  // Without today every week with a figure is shown.
  assert.equal(c.cohort_grid(body)[1].cells[1].text, '0%');
  assert.equal(c.cohort_grid(body)[1].cells[2].shade, 'heat-none');
  assert.deepEqual(c.cohort_grid({}), []);
});

test('every heatmap shade has its colour in the stylesheet', async () => {
  const css = await readFile(new URL('console.css', web_dir), 'utf8');
  for (let i = 0; i <= 10; i++) assert.match(css, new RegExp(`\\.heat-${i} \\{ background: #`));
  assert.match(css, /\.heat-none \{ background: transparent; \}/);
});

test('live: the 30 minutes as a sparkline of events and visitors, drawn in the box', () => {
  const per_minute = Array.from({length: 30}, (_, i) => ({
    minute: new Date(Date.UTC(2026, 11, 5, 4, 36 + i)).toISOString(), events: i, visitors: 1}));
  const g = c.live_sparkline({per_minute}, 294, 80);
  const points = (d) => [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [+m[1], +m[2]]);
  const events = points(g.events_line);
  const visitors = points(g.visitors_line);
  assert.equal(events.length, 30);
  assert.equal(visitors.length, 30);
  // From 2 px in on the left to 2 px in on the right, a minute every 10 px.
  assert.deepEqual(events.map(([x]) => x), per_minute.map((_, i) => 2 + 10 * i));
  // One scale from 0 (the bottom, 2 px up) to the largest figure (6 px from the top).
  assert.deepEqual(events[0], [2, 78]);
  assert.deepEqual(events[29], [292, 6]);
  assert.ok(visitors.every(([, y]) => y === 78 - 72 / 29 || Math.abs(y - (78 - 72 / 29)) < 0.06));
  // The area closes the events line down to the bottom.
  assert.ok(g.events_area.startsWith(g.events_line));
  assert.ok(g.events_area.endsWith('L292 78 L2 78 Z'));
  // Each minute has a column (hover text) reaching half way to its neighbours.
  assert.equal(g.minutes.length, 30);
  assert.deepEqual([g.minutes[0].left, g.minutes[0].right], [0, 7]);
  assert.deepEqual([g.minutes[1].left, g.minutes[1].right], [7, 17]);
  assert.match(g.minutes[1].text, /^\d\d:\d\d: 1 event, 1 visitor$/);
  assert.match(g.minutes[29].text, /^\d\d:\d\d: 29 events, 1 visitor$/);
  assert.equal(g.minutes[5].text.slice(0, 5), c.clock(per_minute[5].minute));
  assert.match(g.summary, /: 29 in the last minute, at most 29 \(\d\d:\d\d\)$/);
});

test('live: a quiet or missing answer draws flat lines or nothing, never NaN', () => {
  const quiet = c.live_sparkline({per_minute: [{minute: 'x', events: 0, visitors: 0},
                                               {minute: 'y', events: 0, visitors: 0}]}, 100, 40);
  assert.equal(quiet.events_line, 'M2 38 L98 38');
  assert.equal(quiet.minutes[0].text, 'x: 0 events, 0 visitors');
  const one = c.live_sparkline({per_minute: [{minute: 'x', events: 3, visitors: 1}]}, 100, 40);
  assert.equal(one.events_line, 'M50 6');
  const none = c.live_sparkline({}, 100, 40);
  assert.deepEqual([none.events_line, none.events_area, none.visitors_line], ['', '', '']);
  assert.equal(none.summary, 'Events per minute, last 30 minutes: none');
  for (const g of [quiet, one, none]) {
    assert.doesNotMatch(`${g.events_area} ${g.visitors_line}`, /NaN|undefined/);
  }
});

test('the sparkline\'s strokes are the stylesheet\'s, in the charts\' colours', async () => {
  const css = await readFile(new URL('console.css', web_dir), 'utf8');
  assert.match(css, new RegExp(`\\.spark-events \\{ stroke: ${c.palette.blue};`));
  assert.match(css, new RegExp(`\\.spark-visitors \\{ stroke: ${c.palette.vermillion};.*dasharray`));
  assert.match(css, new RegExp(`\\.spark-area \\{ fill: ${c.palette.blue};`));
});

test('a narrow chart gets shorter labels', () => {
  const compact = {...c.light_theme, compact: true};
  const o = c.outcomes_option({outcomes: [{outcome: 'purchase', sessions: 1}]}, compact);
  assert.equal(o.series[0].label.formatter({value: 1, percent: 33.333}), '33%');
  assert.equal(c.outcomes_option({outcomes: []}).series[0].label.formatter(
      {value: 1234, percent: 33.333}), '1,234 (33.3%)');
  const p = c.products_option({products: []}, compact);
  assert.equal(p.yAxis.axisLabel.width, 110);
  assert.equal(p.xAxis.splitNumber, 2);
});

// ECharts draws nothing, silently, for a series type or component its build lacks: every one the
// options use must be registered by the dashboard's build (src/console/charts/
// echarts_dashboard.mjs).
test('the dashboard\'s ECharts build registers every chart type and component the options use',
     async () => {
  const entry = await readFile(new URL('../charts/echarts_dashboard.mjs', web_dir), 'utf8');
  const registered = new Set(
      entry.match(/use\(\[([^\]]*)\]/)[1].split(',').map((s) => s.trim()).filter(Boolean));
  const series_module = {bar: 'BarChart', line: 'LineChart', pie: 'PieChart'};
  // Top-level option keys and the component drawing them; the others are plain settings.
  const component_module = {xAxis: 'GridComponent', yAxis: 'GridComponent',
                            grid: 'GridComponent', legend: 'LegendPlainComponent',
                            tooltip: 'TooltipComponent'};
  const settings = new Set(['animation', 'series', 'textStyle', 'color', 'backgroundColor']);
  const stage = {stage: 'sessions', label: 'Sessions', sessions: 2, of_previous: 1, of_first: 1};
  const options = [
    c.daily_option({days}),
    c.outcomes_option({outcomes: [{outcome: 'purchase', sessions: 1, previous_sessions: 0}]}),
    c.funnel_option({stages: [stage]}),
    c.products_option({products: [{product_id: 'P1', name: 'Phone', brand: 'B',
                                   category: 'Phones', revenue: 9, units_sold: 1, views: 2}]}),
  ];
  for (const o of options) {
    for (const s of o.series) {
      assert.ok(registered.has(series_module[s.type]), `series type ${s.type} is not in the build`);
    }
    for (const key of Object.keys(o)) {
      if (settings.has(key)) continue;
      assert.ok(component_module[key], `option ${key} needs a component the test does not know`);
      assert.ok(registered.has(component_module[key]), `${component_module[key]} is not in the build`);
      if (key === 'legend') assert.ok([undefined, 'plain'].includes(o.legend.type));
    }
  }
  assert.ok(registered.has('CanvasRenderer'));
});
