// The pipeline page: flows with their schedule, state and freshness (refreshed every 5 s while
// the tab is visible, unless paused), the run history filtered by flow and state (the filters
// and the page cursor live in the URL), one run with its tasks, log and artifacts (#run=<id> or
// ?run=<id>), and "Run now" per flow.

import {el, get_json, post_json, redraw_children, replace_children, show_error, state_badge,
        time_el} from './console.js';
import {flow_activity, format_duration, parse_view, run_states, runs_api_path, short_id,
        table_of, view_query} from './format.js';
import {render_markdown} from './markdown.js';

const refresh_ms = 5000;
const finished = new Set(['completed', 'failed', 'crashed', 'cancelled', 'skipped']);

const $ = (id) => document.getElementById(id);

const page = {
  view: parse_view(location.search, location.hash),
  flows: [],
  paused: false,
  timer: null,
  loading: false,
  newest_run: '',  // the run "Run now" started last, highlighted in the runs table
  posting: new Set(),  // flows whose "Run now" request is under way
  run_detail: null,
};

function run_href(id) {
  return `${view_query({...page.view, run: ''})}#run=${encodeURIComponent(id)}`;
}

function run_link(id) {
  return el('a', {href: run_href(id), title: id, className: 'mono', 'data-focus-key': `run:${id}`},
            short_id(id));
}

// ---- flows ---------------------------------------------------------------------------------

function freshness_cell(f) {
  if (!f.enabled) return el('span', {className: 'muted'}, 'not checked (disabled)');
  if (f.stale) {
    return el('div', {}, state_badge('stale'),
              el('div', {className: 'small'}, f.stale_reason || 'older than allowed'));
  }
  const allowed = f.max_staleness_s > 0 ? `allowed ${format_duration(f.max_staleness_s)}` : '';
  return el('div', {}, state_badge('fresh'),
            el('div', {className: 'small muted'},
               f.last_success ? ['last success ', time_el(f.last_success, {relative: true})] :
                                'no success yet',
               allowed ? ` · ${allowed}` : ''));
}

function last_run_cell(f) {
  const r = f.last_run;
  if (!r) return el('span', {className: 'muted'}, 'no runs yet');
  return el('div', {}, run_link(r.id), ' ', state_badge(r.state),
            el('div', {className: 'small'}, time_el(r.started_at || r.created_at,
                                                    {relative: true}),
               r.duration_s !== null ? ` · ${format_duration(r.duration_s)}` : ''),
            r.error ? el('div', {className: 'small error-text'}, r.error) : null);
}

function run_now_button(f) {
  const posting = page.posting.has(f.name);
  const b = el('button', {type: 'button', className: 'primary', 'data-flow': f.name,
                          'data-focus-key': `run-now:${f.name}`, 'aria-label': `Run ${f.name} now`,
                          title: f.enabled ? null : 'This flow is disabled in the configuration',
                          disabled: !f.enabled || posting},
               posting ? 'Starting…' : 'Run now');
  b.addEventListener('click', () => run_now(f.name));
  return b;
}

function render_flows() {
  const body = $('flows').tBodies[0];
  if (page.flows.length === 0) {
    replace_children(body, el('tr', {}, el('td', {className: 'empty'},
                                           'No flows are defined in this server.')));
    body.rows[0].cells[0].colSpan = 7;
    return;
  }
  redraw_children(body, page.flows.map((f) => el('tr', {'data-flow': f.name},
      el('td', {'data-label': 'Flow'}, el('strong', {}, f.name),
         f.description ? el('div', {className: 'small muted'}, f.description) : null),
      el('td', {className: 'mono', 'data-label': 'Schedule'}, f.schedule || 'on demand'),
      el('td', {'data-label': 'State'}, state_badge(flow_activity(f)),
         f.consecutive_failures > 0 ?
             el('div', {className: 'small'}, `${f.consecutive_failures} failure(s) in a row`) :
             null),
      el('td', {'data-label': 'Last run'}, last_run_cell(f)),
      el('td', {'data-label': 'Next run'},
         f.enabled ? time_el(f.next_fire, {fallback: 'not scheduled', relative: true}) :
                     el('span', {className: 'muted'}, 'disabled')),
      el('td', {'data-label': 'Freshness'}, freshness_cell(f)),
      el('td', {'data-label': ''}, run_now_button(f)))));
}

function render_flow_filter() {
  const select = $('filter-flow');
  const names = page.flows.map((f) => f.name);
  if (page.view.flow && !names.includes(page.view.flow)) names.push(page.view.flow);
  const current = [...select.options].slice(1).map((o) => o.value);
  if (current.join('\n') !== names.join('\n')) {
    replace_children(select, el('option', {}, 'All flows'),
                     names.map((n) => {
                       const o = el('option', {}, n);
                       o.value = n;
                       return o;
                     }));
    select.options[0].value = '';
  }
  select.value = page.view.flow;
  $('filter-state').value = page.view.state;
}

async function load_flows() {
  try {
    const body = await get_json('/api/flows');
    page.flows = Array.isArray(body?.flows) ? body.flows : [];
    show_error($('flows-error'), '');
    render_flows();
    render_flow_filter();
  } catch (e) {
    show_error($('flows-error'), `Could not load the flows: ${e.message}`);
  }
}

// ---- runs ----------------------------------------------------------------------------------

function render_runs(runs, next_before) {
  const body = $('runs').tBodies[0];
  if (runs.length === 0) {
    const filtered = page.view.flow || page.view.state;
    const why = page.view.before ? 'No older runs.' :
        filtered ? 'No runs match these filters.' :
        'No runs yet: flows run on their schedule, on new data, or with "Run now".';
    replace_children(body, el('tr', {}, el('td', {className: 'empty'}, why)));
    body.rows[0].cells[0].colSpan = 7;
  } else {
    redraw_children(body, runs.map((r) => {
      const tr = el('tr', {'data-run': r.id, 'data-state': r.state},
                    el('td', {'data-label': 'Run'}, run_link(r.id)),
                    el('td', {'data-label': 'Flow'}, r.flow),
                    el('td', {'data-label': 'Trigger'}, r.trigger,
                       r.attempt > 1 ? ` (attempt ${r.attempt})` : ''),
                    el('td', {'data-label': 'State'}, state_badge(r.state)),
                    el('td', {'data-label': 'Started'},
                       time_el(r.started_at, {fallback: 'not started'})),
                    el('td', {className: 'num', 'data-label': 'Duration'},
                       format_duration(r.duration_s)),
                    r.error ? el('td', {className: 'error-cell', 'data-label': 'Error'}, r.error) :
                              el('td', {className: 'error-cell', 'data-label': ''}));
      if (r.id === page.newest_run) tr.className = 'highlight';
      return tr;
    }));
  }
  const older = $('runs-older');
  older.hidden = !next_before;
  older.dataset.before = next_before || '';
  $('runs-newest').hidden = !page.view.before;
}

async function load_runs() {
  const path = runs_api_path(page.view);
  try {
    const body = await get_json(path);
    // An answer for a view the user already left (a filter changed meanwhile) is dropped.
    if (page.view.run || runs_api_path(page.view) !== path) return;
    show_error($('runs-error'), '');
    render_runs(Array.isArray(body?.runs) ? body.runs : [], body?.next_before ?? null);
  } catch (e) {
    show_error($('runs-error'), `Could not load the runs: ${e.message}`);
  }
}

function navigate(view) {
  page.view = {...view, run: ''};
  history.pushState(null, '', `${location.pathname}${view_query(page.view)}`);
  show_view();
}

// ---- one run -------------------------------------------------------------------------------

function facts(pairs) {
  return el('dl', {className: 'run-facts'},
            pairs.filter(([, v]) => v !== null && v !== undefined)
                .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function tasks_section(tasks) {
  if (tasks.length === 0) {
    return el('p', {className: 'empty'}, 'No task ran in this run.');
  }
  return el('div', {className: 'table-wrap'}, el('table', {},
      el('thead', {}, el('tr', {}, ['Task', 'Attempt', 'State', 'Started', 'Duration', 'Error']
                                       .map((h, i) => el('th', {scope: 'col',
                                                                className: i === 4 ? 'num' :
                                                                                     null}, h)))),
      el('tbody', {}, tasks.map((t) => el('tr', {},
          el('td', {}, t.task), el('td', {className: 'num'}, t.attempt),
          el('td', {}, state_badge(t.state)), el('td', {}, time_el(t.started_at)),
          el('td', {className: 'num'}, format_duration(t.duration_s)),
          el('td', {className: 'error-cell'}, t.error || ''))))));
}

function logs_section(logs) {
  if (logs.length === 0) return el('p', {className: 'empty'}, 'No log lines.');
  return el('div', {className: 'log', 'aria-label': 'Run log'},
            logs.map((l) => el('span', {className: `log-line log-${String(l.level)
                                                                         .replace(/[^a-z]/g, '')}`},
                               time_el(l.logged_at), ` ${String(l.level).padEnd(5)} `,
                               l.task ? `[${l.task}] ` : '', l.message)));
}

function data_table(t) {
  return el('div', {className: 'table-wrap'}, el('table', {},
      el('thead', {}, el('tr', {}, t.columns.map((c, i) =>
          el('th', {scope: 'col', className: t.numeric[i] ? 'num' : null}, c)))),
      el('tbody', {}, t.rows.length === 0 ?
          el('tr', {}, el('td', {className: 'empty'}, 'The table has no rows.')) :
          t.rows.map((r) => el('tr', {}, r.map((c, i) =>
              el('td', {className: t.numeric[i] ? 'num' : null}, c)))))));
}

function artifact_el(a) {
  const box = el('article', {className: 'artifact', 'data-kind': a.kind, 'data-key': a.key},
                 el('h3', {}, a.title || a.key),
                 el('p', {className: 'small muted'}, `${a.kind} · ${a.key}`,
                    a.task ? ` · task ${a.task}` : '', ' · ', time_el(a.created_at)));
  const table = a.kind === 'table' ? table_of(a.data) : null;
  if (table) {
    box.appendChild(data_table(table));
    if (a.body) {
      const more = el('details', {}, el('summary', {}, 'Report text'));
      more.appendChild(render_markdown(a.body, document, 3));
      box.appendChild(more);
    }
  } else {
    box.appendChild(render_markdown(a.body || '', document, 3));
  }
  return box;
}

function render_run(d) {
  const r = d.run;
  $('run-title').textContent = `Run of ${r.flow}`;
  const parts = [
    facts([
      ['Run', el('span', {className: 'mono'}, r.id)],
      ['State', state_badge(r.state)],
      ['Trigger', `${r.trigger}${r.attempt > 1 ? `, attempt ${r.attempt}` : ''}`],
      ['Parent run', r.parent_run ? run_link(r.parent_run) : null],
      ['Retried by', d.retry_run ? run_link(d.retry_run) : null],
      ['Scheduled for', r.scheduled_for ? time_el(r.scheduled_for) : null],
      ['Created', time_el(r.created_at)],
      ['Started', time_el(r.started_at, {fallback: 'not started'})],
      ['Ended', time_el(r.ended_at, {fallback: finished.has(r.state) ? '—' : 'still going'})],
      ['Duration', format_duration(r.duration_s)],
      ['Parameters', Object.keys(r.parameters || {}).length > 0 ?
           el('span', {className: 'mono'}, Object.entries(r.parameters)
                                               .map(([k, v]) => `${k}=${v}`).join(' ')) :
           null],
      ['Node', r.node || null],
      ['Error', r.error ? el('span', {className: 'error-text'}, r.error) : null],
    ]),
    el('h2', {}, 'Tasks'), tasks_section(d.tasks || []),
    el('h2', {}, 'Artifacts'),
    (d.artifacts || []).length === 0 ?
        el('p', {className: 'empty'}, finished.has(r.state) ? 'This run stored no artifacts.' :
                                                             'No artifacts yet.') :
        d.artifacts.map(artifact_el),
    el('h2', {}, 'Log'), logs_section(d.logs || []),
  ];
  replace_children($('run-body'), parts);
}

async function load_run(id) {
  try {
    const d = await get_json(`/api/runs/${encodeURIComponent(id)}`);
    // A late answer for a run the user already left is dropped.
    if (page.view.run !== id) return;
    page.run_detail = d;
    show_error($('run-error'), '');
    render_run(d);
  } catch (e) {
    if (page.view.run !== id) return;
    show_error($('run-error'), `Could not load run ${id}: ${e.message}`);
    if (e.status === 404) replace_children($('run-body'));
  }
}

// ---- run now -------------------------------------------------------------------------------

async function run_now(flow) {
  if (page.posting.has(flow)) return;
  const result = $('trigger-result');
  page.posting.add(flow);
  render_flows();
  try {
    const r = await post_json(`/api/flows/${encodeURIComponent(flow)}/run`, {});
    page.newest_run = r.run_id;
    result.className = 'notice';
    replace_children(result, r.coalesced ?
        [`${flow} is already running: the request was folded into run `, run_link(r.run_id), '.'] :
        [`Started ${flow}: run `, run_link(r.run_id), ` (${r.state}).`]);
    result.hidden = false;
  } catch (e) {
    result.className = 'error';
    result.textContent = `Could not start ${flow}: ${e.message}`;
    result.hidden = false;
  } finally {
    page.posting.delete(flow);
    render_flows();
  }
  await Promise.all([load_flows(), page.view.before ? null : load_runs()]);
}

// ---- views and refresh ---------------------------------------------------------------------

function show_view() {
  const run = page.view.run;
  $('overview').hidden = Boolean(run);
  $('run-view').hidden = !run;
  $('run-back').setAttribute('href', `${location.pathname}${view_query(page.view)}`);
  if (run) {
    document.title = `Run ${short_id(run)} · Pipeline · GadgetGrove admin`;
    page.run_detail = null;
    $('run-title').textContent = 'Run';
    replace_children($('run-body'), el('p', {className: 'muted'}, 'Loading…'));
    show_error($('run-error'), '');
    // Keyboard and screen-reader users land on the run's title, not at the old link's place.
    $('run-title').focus({preventScroll: false});
    load_run(run);
  } else {
    document.title = 'Pipeline · GadgetGrove admin';
    render_flow_filter();
    load_runs();
  }
}

async function refresh() {
  if (page.loading) return;
  page.loading = true;
  try {
    if (page.view.run) {
      // A finished run does not change any more.
      const state = page.run_detail?.run?.state;
      if (!state || !finished.has(state)) await load_run(page.view.run);
    } else {
      await load_flows();
      // Only the newest page moves; an older page stays still while it is read.
      if (!page.view.before) await load_runs();
    }
    $('refresh-status').textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } finally {
    page.loading = false;
  }
}

function schedule() {
  clearTimeout(page.timer);
  page.timer = null;
  if (page.paused || document.hidden) return;
  page.timer = setTimeout(async () => {
    await refresh();
    schedule();
  }, refresh_ms);
}

function set_paused(paused) {
  page.paused = paused;
  const b = $('refresh-toggle');
  b.setAttribute('aria-pressed', String(paused));
  b.textContent = paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
  if (paused) $('refresh-status').textContent = 'Auto-refresh paused';
  else refresh();
  schedule();
}

function start() {
  $('refresh-toggle').addEventListener('click', () => set_paused(!page.paused));
  $('filter-flow').addEventListener('change', (e) => {
    navigate({...page.view, flow: e.target.value, before: ''});
  });
  $('filter-state').addEventListener('change', (e) => {
    navigate({...page.view, state: run_states.includes(e.target.value) ? e.target.value : '',
              before: ''});
  });
  $('run-filters').addEventListener('submit', (e) => e.preventDefault());
  $('runs-older').addEventListener('click', (e) => {
    navigate({...page.view, before: e.target.dataset.before});
  });
  $('runs-newest').addEventListener('click', () => navigate({...page.view, before: ''}));
  const reread = () => {
    const view = parse_view(location.search, location.hash);
    // A fragment link fires both popstate and hashchange: act once.
    if (JSON.stringify(view) === JSON.stringify(page.view)) return;
    page.view = view;
    show_view();
  };
  window.addEventListener('popstate', reread);
  window.addEventListener('hashchange', reread);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !page.paused) refresh();
    schedule();
  });
  show_view();
  load_flows();
  schedule();
}

start();
