// The dashboard's pure logic: what the URL says (dates, preset, filters), the API addresses of
// the panels, date arithmetic on calendar days, number formats, previous-period deltas, CSV
// files of the panels and the reason a panel is empty. No DOM: node tests it directly
// (tests/unit/console/js/dashboard_state.test.mjs).

/** The filter keys of the API, in the order the chips show them. */
export const filter_keys = ['product', 'category', 'outcome', 'page', 'source'];

/** The date presets (days ending today); 30 is the API's default range. */
export const presets = [7, 30, 90];
export const default_days = 30;

/** The longest range the API accepts, in days (three years and a leap day). */
export const max_range_days = 1096;

/** The five session outcomes, in the API's order, with their labels. */
export const outcomes = [
  {key: 'purchase', label: 'Purchase'},
  {key: 'checkout_error', label: 'Checkout error'},
  {key: 'cart_abandonment', label: 'Cart abandonment'},
  {key: 'browse_only', label: 'Browse only'},
  {key: 'bounce', label: 'Bounce'},
];

/** The label of an outcome key ("cart_abandonment" → "Cart abandonment"). */
export function outcome_label(key) {
  return outcomes.find((o) => o.key === key)?.label ?? String(key);
}

const day_pattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is a real calendar day written YYYY-MM-DD. */
export function is_day(s) {
  const m = day_pattern.exec(typeof s === 'string' ? s : '');
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 &&
      d.getUTCDate() === Number(m[3]);
}

/** The day `n` days after `day` (before, for negative `n`), both YYYY-MM-DD. */
export function add_days(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The number of days from `start` to `end`, both counted (1 when they are the same day). */
export function days_between(start, end) {
  const at = (s) => Date.parse(`${s}T00:00:00Z`);
  return Math.round((at(end) - at(start)) / 86400e3) + 1;
}

/**
 * What the dashboard shows, from its query string: {start, end, days, filters}. Either a fixed
 * range (start and end, both real days, end not before start, at most max_range_days) or a
 * preset of `days` ending today (7, 30 or 90; 30 when the URL names none or a bad range).
 * Filters keep the API's keys; empty values and unknown keys are dropped, and an outcome must
 * be one of the five.
 */
export function parse_view(search) {
  const q = new URLSearchParams(search);
  const filters = {};
  for (const k of filter_keys) {
    const v = q.get(k);
    if (v === null || v === '') continue;
    if (k === 'outcome' && !outcomes.some((o) => o.key === v)) continue;
    if (new TextEncoder().encode(v).length > 200) continue;
    filters[k] = v;
  }
  const start = q.get('start');
  const end = q.get('end');
  if (is_day(start) && is_day(end) && end >= start &&
      days_between(start, end) <= max_range_days) {
    return {start, end, days: 0, filters};
  }
  const days = Number(q.get('days'));
  return {start: '', end: '', days: presets.includes(days) ? days : default_days, filters};
}

/** The query string ("" or "?...") of a view: the range (or the preset unless it is the
 * default), then the filters in filter_keys order. */
export function view_query(view) {
  const q = new URLSearchParams();
  if (view.start && view.end) {
    q.set('start', view.start);
    q.set('end', view.end);
  } else if (view.days && view.days !== default_days) {
    q.set('days', String(view.days));
  }
  for (const k of filter_keys) {
    if (view.filters?.[k]) q.set(k, view.filters[k]);
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** The days a view covers, given today in the reporting zone: {start, end}. */
export function view_range(view, today) {
  if (view.start && view.end) return {start: view.start, end: view.end};
  return {start: add_days(today, -((view.days || default_days) - 1)), end: today};
}

/** The /api/dashboard address of `panel` for the range and filters. */
export function panel_path(panel, range, filters = {}) {
  const q = new URLSearchParams();
  if (range) {
    q.set('start', range.start);
    q.set('end', range.end);
  }
  for (const k of filter_keys) {
    if (filters[k]) q.set(k, filters[k]);
  }
  const s = q.toString();
  return `/api/dashboard/${panel}${s === '' ? '' : `?${s}`}`;
}

/** A view with filter `key` set to `value` (or removed, for an empty value). */
export function with_filter(view, key, value) {
  const filters = {...view.filters};
  if (value === null || value === undefined || value === '') delete filters[key];
  else filters[key] = String(value);
  return {...view, filters};
}

/**
 * Why a picked range cannot be used, or '' when it can: both days must be real, the end not
 * before the start, and the range at most max_range_days long.
 */
export function range_problem(start, end) {
  if (!is_day(start)) return 'The start is not a date (YYYY-MM-DD).';
  if (!is_day(end)) return 'The end is not a date (YYYY-MM-DD).';
  if (end < start) return 'The end is before the start.';
  if (days_between(start, end) > max_range_days) {
    return `The range is longer than ${max_range_days} days.`;
  }
  return '';
}

const count_format = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
const decimal_format = new Intl.NumberFormat('en-US', {maximumFractionDigits: 2});
const money_format = new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD'});
const compact_money = new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD',
                                                      notation: 'compact',
                                                      maximumFractionDigits: 1});

const missing = (v) => v === null || v === undefined || !Number.isFinite(Number(v));

/** "1,234"; "—" when there is no number. */
export function format_count(v) {
  return missing(v) ? '—' : count_format.format(Number(v));
}

/** "39.25"; "—" when there is no number. */
export function format_decimal(v) {
  return missing(v) ? '—' : decimal_format.format(Number(v));
}

/** "$1,234.50" (the shop's currency); "—" when there is no number. */
export function format_money(v) {
  return missing(v) ? '—' : money_format.format(Number(v));
}

/** "$1.2K": money on a chart axis. */
export function format_money_short(v) {
  return missing(v) ? '—' : compact_money.format(Number(v));
}

/** "21.9%" for the fraction 0.219 (`digits` decimals); "—" when there is no number. */
export function format_percent(v, digits = 1) {
  return missing(v) ? '—' : `${(Number(v) * 100).toFixed(digits)}%`;
}

/** The KPI cards, in the order docs/reference/behaviour.md §6 lists them: key, title, format and delta kind. */
export const kpi_cards = [
  {key: 'total_sessions', title: 'Total Sessions', format: format_count, delta: 'relative'},
  {key: 'conversion_rate', title: 'Conversion Rate', format: format_percent, delta: 'points'},
  {key: 'total_revenue', title: 'Total Revenue', format: format_money, delta: 'relative'},
  {key: 'avg_order_value', title: 'Avg Order Value', format: format_money, delta: 'relative'},
];

/**
 * The change of a KPI against the previous period: {direction: 'up'|'down'|'flat'|'none',
 * text, words}. `kind` 'relative' gives a percentage of the previous value ("+12.5%"; "new"
 * when the previous was 0), 'points' the difference of two rates in percentage points
 * ("+1.5 pp"). `words` is the same for a screen reader ("up 12.5% from 80").
 */
export function kpi_delta(value, previous, kind = 'relative', format = format_count) {
  if (missing(value) || missing(previous)) {
    return {direction: 'none', text: '—', words: 'no comparison with the previous period'};
  }
  const v = Number(value);
  const p = Number(previous);
  const was = `from ${format(p)}`;
  if (kind === 'points') {
    const pp = (v - p) * 100;
    const rounded = Math.round(pp * 10) / 10;
    if (rounded === 0) return {direction: 'flat', text: '±0.0 pp', words: `unchanged ${was}`};
    const dir = rounded > 0 ? 'up' : 'down';
    const text = `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(1)} pp`;
    return {direction: dir, text, words: `${dir} ${Math.abs(rounded).toFixed(1)} points ${was}`};
  }
  if (p === 0) {
    if (v === 0) return {direction: 'flat', text: '±0%', words: `unchanged ${was}`};
    return {direction: 'up', text: 'new', words: `up ${was}`};
  }
  const pct = ((v - p) / Math.abs(p)) * 100;
  const rounded = Math.round(pct * 10) / 10;
  if (rounded === 0) return {direction: 'flat', text: '±0%', words: `unchanged ${was}`};
  const dir = rounded > 0 ? 'up' : 'down';
  const text = `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(1)}%`;
  return {direction: dir, text, words: `${dir} ${Math.abs(rounded).toFixed(1)}% ${was}`};
}

/** The arrow of a delta's direction. */
export function delta_arrow(direction) {
  return {up: '▲', down: '▼', flat: '▬'}[direction] ?? '';
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A text cell that
 * a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe;
 * numbers are written as they are.
 */
export function csv_cell(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A CSV file (CRLF line ends, a header line) of `columns` and `rows` (arrays of cells). */
export function csv_text(columns, rows) {
  return [columns, ...rows].map((r) => r.map(csv_cell).join(',')).join('\r\n') + '\r\n';
}

const cohort_weeks = 9;

/**
 * The table of a panel's answer, as the CSV file and the accessible data table show it:
 * {columns, rows}. Null for an unknown panel.
 */
export function panel_table(panel, body) {
  const b = body ?? {};
  switch (panel) {
    case 'kpis':
      return {columns: ['kpi', 'value', 'previous'],
              rows: kpi_cards.map((k) => [k.key, b.kpis?.[k.key]?.value ?? null,
                                          b.kpis?.[k.key]?.previous ?? null])};
    case 'daily':
      return {columns: ['day', 'sessions', 'revenue', 'orders', 'previous_sessions',
                        'previous_revenue'],
              rows: (b.days ?? []).map((d) => [d.day, d.sessions, d.revenue, d.orders,
                                               d.previous_sessions, d.previous_revenue])};
    case 'outcomes':
      return {columns: ['outcome', 'sessions', 'previous_sessions'],
              rows: (b.outcomes ?? []).map((o) => [o.outcome, o.sessions,
                                                   o.previous_sessions ?? null])};
    case 'funnel':
      return {columns: ['stage', 'label', 'sessions', 'of_previous', 'of_first'],
              rows: (b.stages ?? []).map((s) => [s.stage, s.label, s.sessions, s.of_previous,
                                                 s.of_first])};
    case 'products':
      return {columns: ['product_id', 'name', 'brand', 'category', 'revenue', 'units_sold',
                        'views'],
              rows: (b.products ?? []).map((p) => [p.product_id, p.name, p.brand, p.category,
                                                   p.revenue, p.units_sold, p.views])};
    case 'cohorts': {
      const weeks = Array.from({length: cohort_weeks}, (_, i) => i);
      return {columns: ['cohort', 'size', ...weeks.map((w) => `week_${w}`)],
              rows: (b.cohorts ?? []).map((c) => [c.cohort, c.size, ...weeks.map(
                  (w) => c.weeks?.find((x) => x.week === w)?.retention ?? null)])};
    }
    case 'pages':
      return {columns: ['path', 'views', 'visitors', 'entries', 'exits'],
              rows: (b.pages ?? []).map((p) => [p.path, p.views, p.visitors, p.entries,
                                                p.exits])};
    case 'sources':
      return {columns: ['source', 'sessions', 'visitors'],
              rows: (b.sources ?? []).map((s) => [s.source, s.sessions, s.visitors])};
    case 'live':
      return {columns: ['minute', 'events', 'visitors'],
              rows: (b.per_minute ?? []).map((m) => [m.minute, m.events, m.visitors])};
    default:
      return null;
  }
}

/** The CSV file of a panel's answer: its text and a file name naming the panel and range. */
export function panel_csv(panel, body) {
  const t = panel_table(panel, body);
  if (t === null) return null;
  const range = body?.range ? `-${body.range.start}_${body.range.end}` : '';
  const filters = Object.entries(body?.filters ?? {}).map(([k, v]) =>
    `-${k}-${String(v).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)}`).join('');
  return {name: `gadgetgrove-${panel}${panel === 'live' ? '' : range}${filters}.csv`,
          text: csv_text(t.columns, t.rows)};
}

/** Whether a panel's answer has nothing to draw. */
export function panel_is_empty(panel, body) {
  if (!body) return true;
  switch (panel) {
    case 'kpis': return !(Number(body.kpis?.total_sessions?.value) > 0);
    case 'daily': return !(body.days ?? []).some((d) => d.sessions > 0 || d.revenue > 0);
    case 'outcomes': return !(body.outcomes ?? []).some((o) => o.sessions > 0);
    case 'funnel': return !(Number(body.stages?.[0]?.sessions) > 0);
    case 'products': return (body.products ?? []).length === 0;
    case 'cohorts': return (body.cohorts ?? []).length === 0;
    case 'pages': return (body.pages ?? []).length === 0;
    case 'sources': return (body.sources ?? []).length === 0;
    case 'live': return !(body.per_minute ?? []).some((m) => m.events > 0);
    default: return false;
  }
}

/**
 * Why a panel is empty, as shown in its place: {kind, text}. `health` is the health panel's
 * answer (null when it failed): no model data ever ('no_data', and whether events were loaded
 * but not yet transformed), a stale pipeline ('stale'), or nothing in this range / with these
 * filters ('range').
 */
export function empty_reason(health, range, filters = {}) {
  if (health && !health.data_as_of) {
    return {kind: 'no_data',
            text: health.loader_lag_seconds === null || health.loader_lag_seconds === undefined ?
                'No data yet: no events have been loaded. Visit the shop or send events, ' +
                    'then the pipeline loads and transforms them.' :
                'No data yet: events are loaded but the transformation has not run yet ' +
                    '(see the Pipeline page).'};
  }
  const where = range ? ` from ${range.start} to ${range.end}` : '';
  const filtered = Object.keys(filters).length > 0 ? ' with these filters' : '';
  if (health?.stale) {
    const flows = (health.stale_flows ?? []).join(', ');
    return {kind: 'stale',
            text: `Nothing${where}${filtered}, and the pipeline is stale` +
                `${flows ? ` (${flows})` : ''}: newer data may not be here yet.`};
  }
  return {kind: 'range', text: `Nothing${where}${filtered}.`};
}

/** The chip text of a filter: "Product: Lumen Nova 10", with `names` mapping product ids. */
export function filter_label(key, value, names = {}) {
  switch (key) {
    case 'product': return `Product: ${names[value] ?? value}`;
    case 'category': return `Category: ${value}`;
    case 'outcome': return `Outcome: ${outcome_label(value)}`;
    case 'page': return `Page: ${value}`;
    case 'source': return `Source: ${value}`;
    default: return `${key}: ${value}`;
  }
}

/** "12 s", "3.4 min", "2.1 h": the loader lag; "—" when unknown. */
export function format_lag(seconds) {
  if (missing(seconds)) return '—';
  const s = Math.max(0, Number(seconds));
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${(s / 60).toFixed(1)} min`;
  if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** "1 Nov – 30 Nov 2026": a range for headings. */
export function format_range(range) {
  if (!range?.start || !range?.end) return '';
  const f = new Intl.DateTimeFormat('en-GB', {day: 'numeric', month: 'short', year: 'numeric',
                                              timeZone: 'UTC'});
  const d = (s) => new Date(`${s}T00:00:00Z`);
  return range.start === range.end ? f.format(d(range.start)) :
      `${f.format(d(range.start))} – ${f.format(d(range.end))}`;
}
