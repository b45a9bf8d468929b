// The analytics dashboard: every panel drawn from its /api/dashboard/<panel> answer, the date
// range and filters in the URL (shareable; a reload restores the view), click-to-filter on the
// charts and tables, auto-refresh (paused on request and while the tab is hidden) and a CSV
// file per panel built here from the panel's JSON.

import {el, get_json, json_answer, redraw_children, replace_children, show_error, time_el} from './console.js';
import {click_filter, cohort_grid, daily_option, funnel_option, light_theme, live_sparkline,
        outcomes_option, products_option} from './dashboard_charts.js';
import {default_days, delta_arrow, empty_reason, filter_keys, filter_label, format_count,
        format_decimal, format_lag, format_money, format_percent, format_range, kpi_cards,
        kpi_delta, outcome_label, panel_csv, panel_is_empty, panel_path, parse_view, presets,
        range_problem, view_query, view_range, with_filter} from './dashboard_state.js';
import {charts_library, panel_request, panels, take_early_request} from './dashboard_boot.js';

let echarts = null;

const refresh_seconds = 10;

const main = document.getElementById('main');
const node = (id) => document.getElementById(id);
const section = (panel) => node(`panel-${panel}`);

let view = parse_view(window.location.search);
let today = null;          // today in the reporting zone, from the API's default range
let generation = 0;        // a newer refresh makes the answers of older ones moot
let paused = false;
let timer = null;
let renders = 0;
let last_health = null;
const answers = {};        // panel → its last answer, for CSV and clicks
const charts = {};         // chart name → ECharts instance
const product_names = {};  // product id → name, for the filter chips

// ---------------------------------------------------------------------------------------------
// Charts

function theme(box) {
  const css = window.getComputedStyle(document.documentElement);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {fg: v('--fg', light_theme.fg), muted: v('--fg-muted', light_theme.muted),
          border: v('--border', light_theme.border), bg: v('--bg', light_theme.bg),
          compact: box.clientWidth < 520};
}

// A chart is drawn again only when its box really changed size: the observer also reports
// every box once when it starts observing it, right after the chart was drawn at that size, and
// drawing all charts twice would double the first render.
const drawn_size = new Map();  // chart box → "width×height" its chart was last laid out at
const box_size = (box) => `${box.clientWidth}x${box.clientHeight}`;
const resize = new ResizeObserver((entries) => {
  for (const e of entries) {
    const c = Object.values(charts).find((x) => x.getDom() === e.target);
    const size = box_size(e.target);
    if (!c || e.contentRect.width <= 0 || drawn_size.get(e.target) === size) continue;
    drawn_size.set(e.target, size);
    c.resize();
  }
});

function chart(name) {
  if (charts[name]) return charts[name];
  const box = node(`chart-${name}`);
  const c = echarts.init(box, null, {renderer: 'canvas'});
  drawn_size.set(box, box_size(box));
  resize.observe(box);
  if (name === 'outcomes' || name === 'products') {
    c.on('click', (params) => {
      const f = click_filter(name, params, answers[name]);
      if (f) apply_view(with_filter(view, f.key, f.value));
    });
  }
  charts[name] = c;
  return c;
}

const chart_options = {
  daily: daily_option, outcomes: outcomes_option, funnel: funnel_option,
  products: products_option,
};

// On the first render a chart below the fold waits (its box keeps its size, so nothing moves):
// laying out and painting a chart costs tens of milliseconds on a cold page, and those below
// the fold are drawn right after the first render, one per frame, or as soon as one scrolls
// into view. Later renders draw every chart at once.
const waiting = new Map();  // chart name → the answer it waits to be drawn with
const near_view = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (e.isIntersecting) draw_waiting(e.target.id.slice('chart-'.length));
  }
}, {rootMargin: '100px'});

function below_fold(box) {
  return box.getBoundingClientRect().top > window.innerHeight;
}

function draw_chart(name, body) {
  const box = node(`chart-${name}`);
  box.hidden = false;
  if (renders === 0 && below_fold(box)) {
    if (!waiting.has(name)) near_view.observe(box);
    waiting.set(name, body);
    main.dataset.charts = 'waiting';
    return;
  }
  forget_waiting(name);
  chart(name).setOption(chart_options[name](body, theme(box), today), {notMerge: true});
}

function forget_waiting(name) {
  if (!waiting.delete(name)) return;
  near_view.unobserve(node(`chart-${name}`));
  if (waiting.size === 0) all_charts_drawn();
}

function draw_waiting(name) {
  if (waiting.has(name)) draw_chart(name, waiting.get(name));
}

function all_charts_drawn() {
  if (main.dataset.charts === 'drawn') return;
  main.dataset.charts = 'drawn';
  performance.mark('dashboard-all-charts-drawn');
}

// After the first render: the waiting charts, one per frame, so that the page stays responsive.
function draw_waiting_charts() {
  if (waiting.size === 0) {
    all_charts_drawn();
    return;
  }
  window.requestAnimationFrame(() => window.setTimeout(() => {
    draw_waiting(waiting.keys().next().value);
    draw_waiting_charts();
  }, 0));
}

function hide_chart(name) {
  const box = node(`chart-${name}`);
  if (box) box.hidden = true;
  forget_waiting(name);
}

// ---------------------------------------------------------------------------------------------
// Tables (the data behind each chart, and the pages and sources panels)

function filter_button(key, value, text) {
  const active = view.filters[key] === value;
  return el('button', {type: 'button', className: 'link-button filter-link',
                       'data-filter-key': key, 'data-filter-value': value,
                       'data-focus-key': `${key}:${value}`,
                       'aria-pressed': active ? 'true' : 'false',
                       title: active ? 'Filtering by this' : `Filter by this ${key}`}, text);
}

/** columns: [{label, num?, cell(row) → node or text}]. */
function data_table(columns, rows) {
  return el('div', {className: 'table-wrap'},
            el('table', {className: 'data'},
               el('thead', {}, el('tr', {}, columns.map((c) =>
                   el('th', {scope: 'col', className: c.num ? 'num' : undefined}, c.label)))),
               el('tbody', {}, rows.map((r) => el('tr', {}, columns.map((c) =>
                   el('td', {className: c.num ? 'num' : undefined, 'data-label': c.label},
                      c.cell(r))))))));
}

const table_of = {
  daily: (b) => data_table([
    {label: 'Day', cell: (d) => d.day},
    {label: 'Sessions', num: true, cell: (d) => format_count(d.sessions)},
    {label: 'Revenue', num: true, cell: (d) => format_money(d.revenue)},
    {label: 'Orders', num: true, cell: (d) => format_count(d.orders)},
    {label: 'Prev. sessions', num: true, cell: (d) => format_count(d.previous_sessions)},
    {label: 'Prev. revenue', num: true, cell: (d) => format_money(d.previous_revenue)},
  ], b.days ?? []),
  outcomes: (b) => {
    const total = (b.outcomes ?? []).reduce((a, o) => a + o.sessions, 0);
    return data_table([
      {label: 'Outcome', cell: (o) => el('span', {className: 'swatch-label'},
                                         el('span', {className: `swatch swatch-${o.outcome}`,
                                                     'aria-hidden': 'true'}),
                                         filter_button('outcome', o.outcome,
                                                       outcome_label(o.outcome)))},
      {label: 'Sessions', num: true, cell: (o) => format_count(o.sessions)},
      {label: 'Share', num: true,
       cell: (o) => (total > 0 ? format_percent(o.sessions / total) : '—')},
      {label: 'Previous', num: true, cell: (o) => format_count(o.previous_sessions)},
    ], b.outcomes ?? []);
  },
  funnel: (b) => data_table([
    {label: 'Stage', cell: (s) => s.label},
    {label: 'Sessions', num: true, cell: (s) => format_count(s.sessions)},
    {label: '% of previous', num: true, cell: (s) => format_percent(s.of_previous)},
    {label: '% of first', num: true, cell: (s) => format_percent(s.of_first)},
  ], b.stages ?? []),
  products: (b) => data_table([
    {label: 'Product', cell: (p) => filter_button('product', p.product_id, p.name)},
    {label: 'Category', cell: (p) => filter_button('category', p.category, p.category)},
    {label: 'Revenue', num: true, cell: (p) => format_money(p.revenue)},
    {label: 'Sold', num: true, cell: (p) => format_count(p.units_sold)},
    {label: 'Views', num: true, cell: (p) => format_count(p.views)},
  ], b.products ?? []),
  cohorts: (b) => el('div', {className: 'table-wrap'},
                     el('table', {className: 'data heatmap'},
                        el('caption', {className: 'visually-hidden'},
                           'Share of each cohort active in weeks 0 to 8 after its first visit'),
                        el('thead', {}, el('tr', {},
                           el('th', {scope: 'col'}, 'Cohort'),
                           el('th', {scope: 'col', className: 'num heat-users'}, 'Users'),
                           Array.from({length: 9}, (_, w) =>
                               el('th', {scope: 'col', className: 'num'}, `W${w}`)))),
                        el('tbody', {}, cohort_grid(b, today).map((row) => el('tr', {},
                           el('th', {scope: 'row', title: `${format_count(row.size)} users`},
                              el('span', {className: 'cohort-year'}, row.cohort.slice(0, 5)),
                              row.cohort.slice(5)),
                           el('td', {className: 'num heat-users'}, format_count(row.size)),
                           row.cells.map((c) => el('td', {className: `heat ${c.shade}`,
                                                          title: c.title}, c.text))))))),
  pages: (b) => data_table([
    {label: 'Page', cell: (p) => filter_button('page', p.path, p.path)},
    {label: 'Views', num: true, cell: (p) => format_count(p.views)},
    {label: 'Visitors', num: true, cell: (p) => format_count(p.visitors)},
    {label: 'Entries', num: true, cell: (p) => format_count(p.entries)},
    {label: 'Exits', num: true, cell: (p) => format_count(p.exits)},
  ], b.pages ?? []),
  sources: (b) => data_table([
    {label: 'Source', cell: (s) => filter_button('source', s.source, s.source)},
    {label: 'Sessions', num: true, cell: (s) => format_count(s.sessions)},
    {label: 'Visitors', num: true, cell: (s) => format_count(s.visitors)},
  ], b.sources ?? []),
};

// ---------------------------------------------------------------------------------------------
// Panels

function kpi_card(card, figure) {
  const value = figure?.value ?? null;
  const previous = figure?.previous ?? null;
  const d = kpi_delta(value, previous, card.delta, card.format);
  return el('article', {className: 'kpi-card', 'data-kpi': card.key},
            el('h3', {}, card.title),
            el('p', {className: 'kpi-value'}, card.format(value)),
            el('p', {className: `kpi-delta delta-${d.direction}`},
               el('span', {'aria-hidden': 'true'}, `${delta_arrow(d.direction)} ${d.text}`),
               el('span', {className: 'visually-hidden'}, d.words),
               el('span', {className: 'muted kpi-previous', 'aria-hidden': 'true'},
                  ` vs ${card.format(previous)}`)));
}

function draw_kpis(body) {
  replace_children(node('kpi-cards'), kpi_cards.map((c) => kpi_card(c, body?.kpis?.[c.key])));
}

const svg_ns = 'http://www.w3.org/2000/svg';

/** A new SVG element with `attrs` (names and values are this file's own, never data's). */
function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(svg_ns, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children.flat());
  return e;
}

// The sparkline is SVG of our own, drawn with the figures and without the charting library. It
// is drawn in fixed units and stretched to its box (viewBox and preserveAspectRatio="none"; the
// strokes keep their width, vector-effect in the stylesheet): a resize needs no redraw, and
// drawing it never asks for the page's layout (its box's size), which in the middle of the
// first render would force one more layout of the whole page.
function draw_live(body, reason) {
  node('live-visitors').textContent = format_count(body.visitors_5m);
  node('live-events').textContent = format_count(body.events_5m);
  const s = section('live');
  const empty = panel_is_empty('live', body);
  s.dataset.empty = empty ? 'true' : 'false';
  const empty_node = s.querySelector('.panel-empty');
  const why = reason.kind === 'no_data' ? reason : {kind: 'quiet',
                                                    text: 'No events in the last 30 minutes.'};
  empty_node.hidden = !empty;
  empty_node.dataset.reason = empty ? why.kind : '';
  empty_node.textContent = empty ? why.text : '';
  const box = node('chart-live');
  box.hidden = empty;
  if (empty) {
    replace_children(box);
    return;
  }
  const g = live_sparkline(body, 300, 80);
  box.setAttribute('aria-label', g.summary);
  replace_children(box, svg('svg', {'class': 'sparkline', 'viewBox': `0 0 ${g.width} ${g.height}`,
                                    'preserveAspectRatio': 'none', 'aria-hidden': 'true'},
                            svg('path', {'class': 'spark-area', 'd': g.events_area}),
                            svg('path', {'class': 'spark-visitors', 'd': g.visitors_line}),
                            svg('path', {'class': 'spark-events', 'd': g.events_line}),
                            g.minutes.map((m) => svg('rect', {'class': 'spark-minute',
                                                              'x': m.left, 'y': 0,
                                                              'width': m.right - m.left,
                                                              'height': g.height},
                                                     svg('title', {}, m.text)))));
}

function draw_health(h) {
  node('health-eps').textContent = format_decimal(h.events_per_second);
  node('health-lag').textContent = format_lag(h.loader_lag_seconds);
  replace_children(node('health-transform'), time_el(h.last_transform, {relative: true,
                                                                        fallback: 'never'}));
  replace_children(node('health-asof'), time_el(h.data_as_of, {relative: true,
                                                               fallback: 'no data'}));
  const stale = node('health-stale');
  stale.hidden = !h.stale;
  if (h.stale) {
    const flows = (h.stale_flows ?? []).join(', ') || 'a flow';
    replace_children(stale, el('span', {'aria-hidden': 'true'}, '! '),
                     `Pipeline stale: ${flows} has not succeeded on time, so the figures may ` +
                         'be behind. ', el('a', {href: '/pipeline'}, 'Open the pipeline'));
  }
  node('health').dataset.stale = h.stale ? 'true' : 'false';
  const tz = h.timezone ? `Days in ${h.timezone}.` : '';
  // serve's traffic demo counts its simulated shoppers; the figures say so, never silently.
  const synthetic =
      h.includes_synthetic ? ' Includes synthetic traffic (simulated shoppers).' : '';
  node('timezone-text').textContent = tz + synthetic;
}

function panel_error(panel, message) {
  const s = section(panel);
  if (s) show_error(s.querySelector('.panel-error'), message);
}

function draw_panel(panel, body, reason) {
  answers[panel] = body;
  const s = section(panel);
  s.dataset.asOf = body.as_of ?? '';
  if (panel === 'kpis') {
    draw_kpis(body);
    s.dataset.empty = panel_is_empty(panel, body) ? 'true' : 'false';
    return;
  }
  if (panel === 'live') {
    draw_live(body, reason);
    return;
  }
  const empty = panel_is_empty(panel, body);
  s.dataset.empty = empty ? 'true' : 'false';
  const empty_node = s.querySelector('.panel-empty');
  empty_node.hidden = !empty;
  empty_node.dataset.reason = empty ? reason.kind : '';
  empty_node.textContent = empty ? reason.text : '';
  const details = s.querySelector('.data-table');
  if (details) details.hidden = empty;
  const slot = s.querySelector('.table-slot');
  if (empty) {
    hide_chart(panel);
    replace_children(slot);
    return;
  }
  if (chart_options[panel]) draw_chart(panel, body);
  redraw_children(slot, table_of[panel](body));
  if (panel === 'products') {
    for (const p of body.products ?? []) product_names[p.product_id] = p.name;
  }
}

// ---------------------------------------------------------------------------------------------
// The view: range form, filter chips, URL

let drawn_range = '';

function draw_view_controls(range) {
  // The fields follow the view only when it changes: an auto-refresh must not overwrite a date
  // someone is typing.
  if (`${range.start}/${range.end}` !== drawn_range) {
    drawn_range = `${range.start}/${range.end}`;
    node('range-start').value = range.start;
    node('range-end').value = range.end;
  }
  for (const b of document.querySelectorAll('.preset')) {
    b.setAttribute('aria-pressed', !view.start && Number(b.dataset.days) === view.days ?
                                       'true' : 'false');
  }
  node('range-text').textContent = `${format_range(range)}.`;
  const chips = filter_keys.filter((k) => view.filters[k]).map((k) => {
    const label = filter_label(k, view.filters[k], product_names);
    return el('li', {},
              el('button', {type: 'button', className: 'chip', 'data-remove-filter': k,
                            'data-focus-key': `chip:${k}`,
                            'aria-label': `Remove filter ${label}`},
                 label, el('span', {className: 'chip-x', 'aria-hidden': 'true'}, '×')));
  });
  redraw_children(node('filter-chips'), chips);
  node('filters').hidden = chips.length === 0;
}

function apply_view(next, {push = true} = {}) {
  view = next;
  drawn_range = '';  // a chosen view shows its range, whatever was typed and not applied
  const url = `${window.location.pathname}${view_query(view)}`;
  if (push && url !== `${window.location.pathname}${window.location.search}`) {
    window.history.pushState(null, '', url);
  }
  refresh();
}

// ---------------------------------------------------------------------------------------------
// Loading

function set_status(text) {
  node('refresh-status').textContent = text;
}

/**
 * The range to ask for: null for the default view before today is known (the API's default
 * range is the same 30 days ending today, so the first load needs no extra round trip).
 */
async function range_to_ask() {
  if (today !== null || (!view.start && view.days === default_days)) {
    return today === null ? null : view_range(view, today);
  }
  if (view.start) return view_range(view, today ?? view.end);
  const h = await get_json(panel_path('health'));
  today = h.range.end;
  return view_range(view, today);
}

// An answer dashboard_boot.js already asked for (the first render's), else a new request.
function ask(path) {
  const early = take_early_request(path);
  return early ? json_answer(early) : get_json(path);
}

async function refresh() {
  const gen = ++generation;
  window.clearTimeout(timer);
  timer = null;
  main.dataset.state = 'loading';
  let range;
  try {
    range = await range_to_ask();
  } catch (e) {
    if (gen !== generation) return;
    show_error(node('page-error'), `The dashboard API did not answer: ${e.message}`);
    main.dataset.state = 'error';
    schedule();
    return;
  }
  if (gen !== generation) return;
  if (range) draw_view_controls(range);

  // Each panel is drawn as soon as its answer (and the health answer, which says why a panel
  // may be empty) is here; the slowest panel does not hold up the others.
  const health = ask(panel_request('health')).then((h) => {
    if (gen !== generation) return h;
    last_health = h;
    draw_health(h);
    // "today" moves with the reporting zone's date; presets follow from the next refresh.
    if (h.range?.end) today = h.range.end;
    return h;
  });
  let failures = 0;
  let first_error = '';
  // The KPI cards and the tables need no chart: they are drawn without waiting for the
  // charting library, usually before it has been parsed.
  const drawn = panels.map(async (p) => {
    try {
      const [body, lib] = await Promise.all([
        ask(panel_request(p, range, view.filters)),
        chart_options[p] ? charts_library : null, health.catch(() => null)]);
      if (lib) echarts = lib;
      if (gen !== generation) return;
      if (!range && body.range && p !== 'live') {
        range = body.range;
        draw_view_controls(range);
      }
      panel_error(p, '');
      draw_panel(p, body, empty_reason(last_health, range, view.filters));
      if (renders === 0) performance.mark(`dashboard-drawn-${p}`);
    } catch (e) {
      if (gen !== generation) return;
      failures++;
      first_error ||= e.message;
      panel_error(p, e.message);
    }
  });
  let health_failed = false;
  await Promise.all([...drawn, health.catch(() => {
    health_failed = true;
  })]);
  if (gen !== generation) return;

  const reason = empty_reason(last_health, range, view.filters);
  const no_data = node('no-data');
  no_data.hidden = reason.kind !== 'no_data';
  no_data.textContent = reason.kind === 'no_data' ? reason.text : '';
  show_error(node('page-error'), failures === panels.length && health_failed ?
      `The dashboard API did not answer: ${first_error}` : '');
  if (range) draw_view_controls(range);  // product names may have arrived for the chips
  renders++;
  main.dataset.renders = String(renders);
  main.dataset.state = failures === 0 && !health_failed ? 'ready' : 'partial';
  if (renders === 1) {
    performance.mark('dashboard-first-render');
    draw_waiting_charts();
  }
  const clock = new Date().toLocaleTimeString([], {hour: '2-digit', minute: '2-digit',
                                                  second: '2-digit', hourCycle: 'h23'});
  set_status(paused ? `Paused · updated ${clock}` : `Updated ${clock}`);
  schedule();
}

function schedule() {
  window.clearTimeout(timer);
  timer = null;
  if (paused || document.hidden) return;
  timer = window.setTimeout(refresh, refresh_seconds * 1000);
}

// ---------------------------------------------------------------------------------------------
// Events

function download_csv(panel) {
  const file = panel_csv(panel, answers[panel]);
  if (!file) return;
  const url = URL.createObjectURL(new Blob([file.text], {type: 'text/csv;charset=utf-8'}));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

main.addEventListener('click', (e) => {
  const target = e.target instanceof Element ? e.target : null;
  const filter = target?.closest('[data-filter-key]');
  if (filter) {
    const key = filter.getAttribute('data-filter-key');
    const value = filter.getAttribute('data-filter-value');
    // A second click on the active filter removes it.
    apply_view(with_filter(view, key, view.filters[key] === value ? '' : value));
    return;
  }
  const chip = target?.closest('[data-remove-filter]');
  if (chip) {
    apply_view(with_filter(view, chip.getAttribute('data-remove-filter'), ''));
    return;
  }
  const csv = target?.closest('button.csv');
  if (csv) {
    download_csv(csv.dataset.panel);
    return;
  }
  const preset = target?.closest('button.preset');
  if (preset) {
    show_error(node('range-error'), '');
    apply_view({...view, start: '', end: '', days: Number(preset.dataset.days)});
  }
});

node('filters-clear').addEventListener('click', () => apply_view({...view, filters: {}}));

node('range-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const start = node('range-start').value;
  const end = node('range-end').value;
  const problem = range_problem(start, end);
  show_error(node('range-error'), problem);
  if (problem) return;
  // A range equal to a preset ending today is stored as that preset, so it keeps rolling.
  const days = presets.find((n) => today && end === today &&
                                   view_range({days: n}, today).start === start);
  apply_view(days ? {...view, start: '', end: '', days} : {...view, start, end, days: 0});
});

node('refresh-toggle').addEventListener('click', () => {
  paused = !paused;
  const b = node('refresh-toggle');
  b.setAttribute('aria-pressed', paused ? 'true' : 'false');
  b.textContent = paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
  if (paused) {
    schedule();
    set_status('Auto-refresh paused');
  } else {
    refresh();
  }
});

document.addEventListener('visibilitychange', () => {
  if (document.hidden) schedule();
  else if (!paused) refresh();
});

window.addEventListener('popstate', () => apply_view(parse_view(window.location.search),
                                                     {push: false}));

refresh();
