// Pure formatting and URL-state helpers of the console pages: no DOM, so node tests them
// directly (tests/unit/console).

/** "340 ms", "12.3 s", "4 min 05 s", "2 h 03 min"; "—" for null or a negative value. */
export function format_duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return '—';
  }
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  if (total < 3600) {
    const m = Math.floor(total / 60);
    const s = total % 60;
    return `${m} min ${String(s).padStart(2, '0')} s`;
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}

/** A Date for an ISO 8601 timestamp from the API, or null when absent or unparsable. */
export function parse_time(iso) {
  if (typeof iso !== 'string' || iso === '') return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "2026-12-05 02:23:26 UTC": the hover text of every time. */
export function format_utc(date) {
  const p = (n) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ` +
      `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} UTC`;
}

/**
 * The time in the browser's zone (or `time_zone`, for tests): the date is left out when it is
 * the same day as `now`.
 */
export function format_local(date, now = new Date(), time_zone = undefined) {
  const day = new Intl.DateTimeFormat('en-CA', {timeZone: time_zone, year: 'numeric',
                                                month: '2-digit', day: '2-digit'});
  const clock = new Intl.DateTimeFormat(undefined, {timeZone: time_zone, hour: '2-digit',
                                                    minute: '2-digit', second: '2-digit',
                                                    hourCycle: 'h23'});
  const same_day = day.format(date) === day.format(now);
  return same_day ? clock.format(date) : `${day.format(date)} ${clock.format(date)}`;
}

/** "in 42 s", "3 min ago", "just now": a coarse distance from `now`. */
export function format_relative(date, now = new Date()) {
  const delta = (date.getTime() - now.getTime()) / 1000;
  const abs = Math.abs(delta);
  if (abs < 1.5) return 'just now';
  let text;
  if (abs < 90) text = `${Math.round(abs)} s`;
  else if (abs < 90 * 60) text = `${Math.round(abs / 60)} min`;
  else if (abs < 36 * 3600) text = `${Math.round(abs / 3600)} h`;
  else text = `${Math.round(abs / 86400)} d`;
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

/** The run states of the API, in the order the filter lists them. */
export const run_states = ['scheduled', 'pending', 'running', 'completed', 'failed', 'crashed',
                           'cancelled', 'skipped'];

/** Runs a page of the runs table unless the URL says otherwise (`limit`, 1 to 500). */
export const default_page_size = 25;

/**
 * What the pipeline page shows, from its URL: {flow, state, before, limit, run}. A run comes
 * from `#run=<id>` or `?run=<id>` (the fragment wins); unknown states and limits outside the
 * API's 1..500 are dropped (limit 0: the default page size).
 */
export function parse_view(search, hash) {
  const q = new URLSearchParams(search);
  const h = new URLSearchParams((hash || '').replace(/^#/, ''));
  const state = q.get('state') || '';
  const limit = /^\d{1,3}$/.test(q.get('limit') || '') ? Number(q.get('limit')) : 0;
  return {
    flow: q.get('flow') || '',
    state: run_states.includes(state) ? state : '',
    before: q.get('before') || '',
    limit: limit >= 1 && limit <= 500 ? limit : 0,
    run: h.get('run') || q.get('run') || '',
  };
}

function runs_params(view) {
  const q = new URLSearchParams();
  if (view.flow) q.set('flow', view.flow);
  if (view.state) q.set('state', view.state);
  if (view.before) q.set('before', view.before);
  if (view.limit) q.set('limit', String(view.limit));
  return q;
}

/** The query string ("" or "?flow=...") of a runs view; empty fields are left out. */
export function view_query(view) {
  const s = runs_params(view).toString();
  return s === '' ? '' : `?${s}`;
}

/** The /api/runs address of a runs view. */
export function runs_api_path(view) {
  const q = runs_params(view);
  q.set('limit', String(view.limit || default_page_size));
  return `/api/runs?${q.toString()}`;
}

/**
 * The columns and rows of a "table" artifact's data: an array of objects (the columns are the
 * keys in first-seen order) or {columns: [...], rows: [[...]]}. Cells become strings (null and
 * objects as JSON); null when `data` has neither shape.
 */
export function table_of(data) {
  const cell = (v) => (v === null || v === undefined) ? '' :
      (typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (Array.isArray(data)) {
    if (!data.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) return null;
    const columns = [];
    for (const row of data) {
      for (const k of Object.keys(row)) {
        if (!columns.includes(k)) columns.push(k);
      }
    }
    return {columns, rows: data.map((r) => columns.map((c) => cell(r[c]))),
            numeric: columns.map((c) => data.length > 0 &&
                                        data.every((r) => r[c] === undefined || r[c] === null ||
                                                          typeof r[c] === 'number'))};
  }
  if (data && typeof data === 'object' && Array.isArray(data.columns) &&
      Array.isArray(data.rows) && data.rows.every(Array.isArray)) {
    const columns = data.columns.map(cell);
    return {columns, rows: data.rows.map((r) => columns.map((_, i) => cell(r[i]))),
            numeric: columns.map((_, i) => data.rows.length > 0 &&
                                           data.rows.every((r) => typeof r[i] === 'number'))};
  }
  return null;
}

/**
 * A run id shortened for a table cell: its last 8 characters, because run ids are UUIDv7,
 * whose first characters are a timestamp shared by runs started together.
 */
export function short_id(id) {
  return typeof id === 'string' && id.length > 8 ? id.slice(-8) : String(id ?? '');
}

/** What a flow is doing now, as one word: disabled, running, pending or idle. */
export function flow_activity(flow) {
  if (!flow.enabled) return 'disabled';
  if (flow.running) return 'running';
  if (flow.pending) return 'pending';
  return 'idle';
}
