// The dashboard's first requests, sent by the first and smallest of its modules (it needs only
// dashboard_state.js): the page's head loads it `async`, so it runs as soon as it is here,
// while the rest of the module graph is still on its way and before the charting library has
// been evaluated. dashboard.js takes these answers for its first render instead of asking again.
// It also starts the charting library (the largest file by far, evaluated off the critical path
// of the requests).

import {default_days, panel_path, parse_view} from './dashboard_state.js';

/**
 * The panels drawn from the date range and filters; live ignores the range, health both. For
 * the default view the page's Link header (src/console/console.cpp, checked against this list
 * by its unit test) has the browser ask for these answers before any script runs; fetch()
 * below then takes the preloaded answers.
 */
export const panels = ['kpis', 'daily', 'outcomes', 'funnel', 'products', 'cohorts', 'pages',
                       'sources', 'live'];

/** The address of a panel's answer for a range ({start, end}, or null: the API's default). */
export function panel_request(panel, range, filters) {
  if (panel === 'health') return panel_path('health');
  return panel_path(panel, panel === 'live' ? null : range, filters);
}

/** What console.js's get_json sends, so that an early answer is the same as a later one. */
export const api_request_init = {credentials: 'same-origin',
                                 headers: {Accept: 'application/json'}, cache: 'no-store'};

const sent = new Map();  // address → fetch promise, taken once

{
  const view = parse_view(window.location.search);
  // A preset other than the default needs "today" in the reporting zone first (a health
  // answer); dashboard.js asks for those itself.
  const range = view.start ? {start: view.start, end: view.end} :
                             view.days === default_days ? null : undefined;
  if (range !== undefined) {
    for (const p of [...panels, 'health']) {
      const path = panel_request(p, range, view.filters);
      // A failure is dashboard.js's to report, when it takes the answer.
      const answer = fetch(path, api_request_init);
      answer.catch(() => {});
      sent.set(path, answer);
    }
    performance.mark('dashboard-requests-sent');
  }
}

/** The response promise of a request this module sent for `path`, once; else null. */
export function take_early_request(path) {
  const r = sent.get(path) ?? null;
  sent.delete(path);
  return r;
}

// The dashboard's own ECharts build (src/console/charts): it defines the global `echarts`. Named
// relative to this module, so it comes from the same build's versioned path as the page's
// preload of it.
const library = document.createElement('script');
library.src = new URL('vendor/echarts.dashboard.min.js', import.meta.url).href;
library.async = true;

/** Resolves to the `echarts` global once the charting library has run. */
export const charts_library = new Promise((resolve, reject) => {
  library.addEventListener('load', () => {
    performance.mark('dashboard-charts-ready');
    resolve(window.echarts);
  });
  library.addEventListener('error',
                           () => reject(new Error('the charting library did not load')));
});
charts_library.catch(() => {});
document.head.appendChild(library);
