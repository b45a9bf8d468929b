// Drives the admin console's analytics dashboard in headless Chromium, signed in with HTTP
// Basic, against a `gadgetgrove serve` holding the events of dashboard_data.mjs:
// - every KPI card and chart renders with data; the health strip and live panel have figures;
// - a date preset and a range typed with the keyboard change the numbers and the URL;
// - a click on a product bar of the chart filters everything (chip, URL, numbers), a click on
//   a category in the products table too, and the chips remove them;
// - reloading the URL restores the view; each panel's CSV downloads with its rows;
// - auto-refresh redraws by itself and stops when paused;
// - the first render time (median of --runs loads: cold, in a new profile, and warm, reloaded)
//   is measured, not asserted;
// - screenshots at desktop (1280) and phone (390) width, light and dark.
// With --empty the server has no data: the page says so instead of drawing blank charts; with
// --stale as well, its transform flow is stale and the health strip warns about it.
// Any console error, page error, failed request or Content-Security-Policy violation fails it.
//
//   node dashboard_flow.mjs --url http://127.0.0.1:8050 --password <admin password>
//                           --out <screenshot dir> [--empty [--stale]] [--runs 5]
//                           [--shop-url http://127.0.0.1:8080 (follows its /analytics)]
//                           [--timed-auth header|challenge|both (how the timed loads sign in)]
//                           [--timing-only (only the timed loads)]
//                           [--trace <file> (a Chromium performance trace of the first cold
//                            load, for chrome://tracing or the DevTools performance panel)]
//
// Prints one JSON line on stdout: {"ok":true,"problems":[],"first_render_ms":{...},...}.
// Environment: CHROMIUM_PATH overrides /usr/bin/chromium.

import {chromium} from 'playwright-core';
import {mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

function parse_args(argv) {
  const args = {url: null, password: null, out: null, empty: false, stale: false, runs: 5,
                timeout: 30000, shop_url: null, timed_auth: 'header', timing_only: false,
                trace: null};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--empty' || a === '--stale' || a === '--timing-only') {
      args[a.slice(2).replace('-', '_')] = true;
      continue;
    }
    const key = {'--url': 'url', '--password': 'password', '--out': 'out', '--runs': 'runs',
                 '--timeout': 'timeout', '--shop-url': 'shop_url',
                 '--timed-auth': 'timed_auth', '--trace': 'trace'}[a];
    if (!key || argv[i + 1] === undefined) throw new Error(`bad argument ${a}`);
    args[key] = key === 'runs' || key === 'timeout' ? Number(argv[++i]) : argv[++i];
  }
  for (const k of ['url', 'password', 'out']) {
    if (!args[k]) throw new Error(`missing --${k}`);
  }
  return args;
}

const chromium_args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                       '--no-first-run', '--disable-background-networking',
                       '--disable-component-update', '--disable-sync'];
const desktop = {width: 1280, height: 900};
const phone = {width: 390, height: 844};

// Collects CSP violations from the page itself; init scripts run outside the page's CSP.
const watch_csp = () => {
  window.__csp_violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp_violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ` +
                                 `at ${e.sourceFile}:${e.lineNumber}`);
  });
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : (s.length % 2 ? s[(s.length - 1) / 2] :
      (s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};

// Where a first render's time went, in ms from navigation start (Performance API): the page's
// HTML, DOMContentLoaded, the charting library's download (its size as sent) and evaluation (the
// page marks `dashboard-charts-ready`), the first panel request and the first and last answer,
// each panel drawn (the page marks
// `dashboard-drawn-<panel>`) and the whole render. Runs in the page.
const timeline = () => {
  const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const charts_lib = resources.find((r) => r.name.includes('/vendor/echarts.'));
  const api = resources.filter((r) => r.name.includes('/api/dashboard/'));
  const answers = api.map((r) => r.responseEnd);
  const out = {html: nav?.responseEnd ?? null,
               dom_content_loaded: nav?.domContentLoadedEventEnd ?? null,
               charts_lib_bytes: charts_lib?.transferSize ?? null,
               charts_lib_requested: charts_lib?.startTime ?? null,
               charts_lib_loaded: charts_lib?.responseEnd ?? null,
               charts_lib_ready: at('dashboard-charts-ready'),
               requests_sent: at('dashboard-requests-sent'),
               answers: answers.length,
               // Answers the browser asked for from the page's Link header, before any script.
               preloaded: api.filter((r) => r.initiatorType === 'link').length,
               first_request: api.length ? Math.min(...api.map((r) => r.startTime)) : null,
               first_answer: answers.length ? Math.min(...answers) : null,
               last_answer: answers.length ? Math.max(...answers) : null};
  for (const m of performance.getEntriesByType('mark')) {
    if (m.name.startsWith('dashboard-drawn-')) out[m.name.slice(10)] = m.startTime;
  }
  out.first_render = at('dashboard-first-render');
  out.all_charts_drawn = at('dashboard-all-charts-drawn');
  return out;
};

// The median of each timeline field over the runs, rounded to ms.
const median_timeline = (timelines) => {
  const out = {};
  for (const key of Object.keys(timelines[0] ?? {})) {
    const xs = timelines.map((t) => t[key]).filter((x) => typeof x === 'number');
    out[key] = xs.length ? Math.round(median(xs)) : null;
  }
  return out;
};

async function main() {
  const args = parse_args(process.argv.slice(2));
  mkdirSync(args.out, {recursive: true});
  const problems = [];
  const screenshots = [];
  const result = {ok: false, mode: args.empty ? 'empty' : 'data'};
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
    args: chromium_args, timeout: args.timeout});
  // Playwright answers an HTTP Basic challenge with `httpCredentials` by intercepting every
  // request of the context (CDP Fetch, each request paused until this process lets it go) and
  // by disabling the browser cache: right for checking the sign-in, wrong for timing a page.
  // The timed loads send the credentials up front instead, as a browser that has signed in to
  // the realm does, so nothing stands between the page and the server.
  const authorization =
      `Basic ${Buffer.from(`analyst:${args.password}`, 'utf8').toString('base64')}`;
  const new_context = async (options = {}, {timed = false, auth = 'header'} = {}) => {
    const sign_in = timed && auth === 'header' ?
        {extraHTTPHeaders: {Authorization: authorization}} :
        {httpCredentials: {username: 'analyst', password: args.password}};
    const c = await browser.newContext({
      viewport: desktop, acceptDownloads: true, ...sign_in, ...options});
    c.setDefaultTimeout(args.timeout);
    await c.addInitScript(watch_csp);
    return c;
  };
  const watch = (page, label) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        problems.push(`${label} console ${msg.type()}: ${msg.text()}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`${label} page error: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${label} ${res.status()} for ${res.url()}`);
    });
    page.on('requestfailed', (req) => {
      // Navigation cancels the requests still in flight: not a failure.
      if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`${label} request failed: ${req.url()} ${req.failure()?.errorText}`);
    });
  };
  const check = (ok, what) => {
    if (!ok) problems.push(what);
  };
  const shot = async (page, name) => {
    const path = join(args.out, name);
    await page.screenshot({path, fullPage: true});
    screenshots.push(path);
  };
  const csp_violations = [];
  // Checked after each interaction: the violations since the last check of this document.
  const csp_of = async (page, label) => {
    const fresh = await page.evaluate(() => {
      if (!window.__csp_violations) return ['watcher missing'];
      const seen = window.__csp_violations_checked ?? 0;
      window.__csp_violations_checked = window.__csp_violations.length;
      return window.__csp_violations.slice(seen);
    });
    for (const v of fresh) {
      csp_violations.push(`${label}: ${v}`);
      problems.push(`${label} CSP: ${v}`);
    }
  };
  const renders = (page) => page.evaluate(() => Number(
      document.getElementById('main').dataset.renders || 0));
  // Waits for the render after `before` to finish (the page marks each in data-renders) and
  // for the charts below the fold, which the first render leaves for right after it.
  const rendered_after = (page, before) => page.waitForFunction((n) => {
    const m = document.getElementById('main');
    return Number(m.dataset.renders || 0) > n && m.dataset.state !== 'loading' &&
           m.dataset.charts === 'drawn';
  }, before);
  const kpis = (page) => page.evaluate(() => Object.fromEntries(
      [...document.querySelectorAll('#kpi-cards .kpi-card')].map((c) => [
        c.dataset.kpi, c.querySelector('.kpi-value').textContent])));
  const query = (page) => Object.fromEntries(new URL(page.url()).searchParams);
  const base = args.url.replace(/\/$/, '');

  try {
    // First render of a cold page (new context: nothing cached), several times, with where
    // its time went (timeline() below).
    // With --timed-auth both, each run loads the page once per way of signing in, one after
    // the other, so the two are compared under the same machine load.
    const modes = args.timed_auth === 'both' ? ['header', 'challenge'] : [args.timed_auth];
    const times = [];
    const timelines = [];
    const challenge_times = [];
    const challenge_timelines = [];
    for (let i = 0; i < args.runs; i++) {
      for (const auth of modes) {
        const c = await new_context({}, {timed: true, auth});
        const p = await c.newPage();
        watch(p, `run ${i} (${auth})`);
        const tracing = args.trace && i === 0 && auth === modes[0];
        if (tracing) {
          await browser.startTracing(p, {path: args.trace, screenshots: false,
                                         categories: ['devtools.timeline', 'v8.execute',
                                                      'disabled-by-default-devtools.timeline',
                                                      'blink.user_timing', 'loading']});
        }
        await p.goto(`${base}/dashboard`);
        await p.waitForSelector('main[data-renders="1"]');
        await p.waitForFunction(
            () => document.getElementById('main').dataset.charts === 'drawn');
        if (tracing) await browser.stopTracing();
        (auth === modes[0] ? times : challenge_times).push(await p.evaluate(
            () => performance.getEntriesByName('dashboard-first-render')[0]?.startTime ?? -1));
        (auth === modes[0] ? timelines : challenge_timelines).push(await p.evaluate(timeline));
        await csp_of(p, `run ${i}`);
        await c.close();
      }
    }
    // The default view's ten first requests went out from the page's Link header (preload) and
    // were each asked for once: the page's fetch() took the preloaded answers.
    for (const [i, t] of timelines.entries()) {
      check(t.answers === 10 && t.preloaded === 10,
            `run ${i}: ${t.preloaded} of ${t.answers} panel requests were preloaded (10 of 10)`);
    }
    // And of a page loaded again in the same browser profile: the page revalidated, its files
    // (under the build's version, immutable) from the cache without asking, and the compiled
    // library from the browser's code cache, as for someone who keeps the dashboard open or
    // comes back to it.
    const warm = [];
    {
      const c = await new_context({}, {timed: true, auth: modes[0]});
      const p = await c.newPage();
      watch(p, 'warm');
      await p.goto(`${base}/dashboard`);
      await p.waitForSelector('main[data-renders="1"]');
      for (let i = 0; i < args.runs; i++) {
        await p.reload();
        await p.waitForSelector('main[data-renders="1"]');
        warm.push(await p.evaluate(
            () => performance.getEntriesByName('dashboard-first-render')[0]?.startTime ?? -1));
        // A file answered from the cache has no transfer; a revalidation (304) has its head.
        const asked = await p.evaluate(() => performance.getEntriesByType('resource')
            .filter((r) => r.name.includes('/console/v/') && r.transferSize > 0)
            .map((r) => r.name));
        check(asked.length === 0, `a reload asked for the page's versioned files: ${asked}`);
      }
      await csp_of(p, 'warm');
      await c.close();
    }
    // The shop's /analytics leads a browser to the dashboard on the admin listener (another
    // origin): the redirect is followed and the dashboard renders there.
    if (args.shop_url) {
      const c = await new_context();
      const p = await c.newPage();
      watch(p, 'shop /analytics');
      const first = await p.goto(`${args.shop_url.replace(/\/$/, '')}/analytics`);
      const hop = first?.request().redirectedFrom();
      check(hop !== null && hop !== undefined, 'the shop\'s /analytics did not redirect');
      if (hop) {
        const status = (await hop.response())?.status();
        check(status === 307, `the shop's /analytics redirected with ${status}, not 307`);
      }
      check(p.url() === `${base}/dashboard`, `the shop's /analytics led to ${p.url()}`);
      await p.waitForSelector('main[data-renders="1"]');
      result.analytics_redirect = {status: 307, location: p.url()};
      await c.close();
    }
    result.first_render_ms = {timed_auth: args.timed_auth, cold_runs: times.map(Math.round),
                              cold_median: Math.round(median(times)),
                              warm_runs: warm.map(Math.round),
                              warm_median: Math.round(median(warm)),
                              cold_timeline_median: median_timeline(timelines)};
    if (challenge_times.length > 0) {
      Object.assign(result.first_render_ms, {
        cold_challenge_runs: challenge_times.map(Math.round),
        cold_challenge_median: Math.round(median(challenge_times)),
        cold_challenge_timeline_median: median_timeline(challenge_timelines)});
    }
    if (args.timing_only) {
      result.ok = problems.length === 0;
      return;
    }

    const context = await new_context();
    const page = await context.newPage();
    watch(page, 'desktop');
    await page.goto(`${base}/`);
    await rendered_after(page, 0);
    check(await page.textContent('h1') === 'GadgetGrove Analytics Dashboard',
          'the title is not "GadgetGrove Analytics Dashboard"');
    check(await page.getAttribute('.nav-links a[data-page="dashboard"]', 'aria-current') ===
              'page', 'the Dashboard link is not marked current');
    check((await page.textContent('#timezone-text')).includes('UTC'),
          'the reporting time zone is not shown');
    check(await page.getAttribute('.preset[data-days="30"]', 'aria-pressed') === 'true',
          'the default range is not the 30-day preset');

    if (args.empty) {
      await page.waitForSelector('#no-data:not([hidden])');
      const text = await page.textContent('#no-data');
      check(text.includes('No data yet'), `the empty page says "${text}"`);
      for (const panel of ['daily', 'outcomes', 'funnel', 'products', 'cohorts', 'pages',
                           'sources']) {
        const empty = page.locator(`#panel-${panel} .panel-empty`);
        check(await empty.isVisible(), `${panel}: no empty state shown`);
        check(await empty.getAttribute('data-reason') === 'no_data',
              `${panel}: the empty state does not say there is no data yet`);
        check(await page.locator(`#chart-${panel}`).count() === 0 ||
                  !(await page.locator(`#chart-${panel}`).isVisible()),
              `${panel}: a blank chart is shown`);
      }
      const live_empty = page.locator('#panel-live .panel-empty');
      check(await live_empty.isVisible() &&
                await live_empty.getAttribute('data-reason') === 'no_data',
            'live: no empty state saying there is no data yet');
      check(await page.locator('#chart-live').isHidden(), 'live: a blank sparkline is shown');
      const k = await kpis(page);
      check(k.total_sessions === '0', `empty total sessions: ${k.total_sessions}`);
      check(k.conversion_rate === '—', `empty conversion rate: ${k.conversion_rate}`);
      check((await page.textContent('#health-asof')).includes('no data'),
            'the health strip does not say there is no data');
      if (args.stale) {
        const warning = page.locator('#health-stale');
        check(await warning.isVisible(), 'no stale warning although the transform is stale');
        const text = await warning.textContent();
        check(text.includes('Pipeline stale') && text.includes('transform'),
              `the stale warning says "${text}"`);
        check(await warning.locator('a[href="/pipeline"]').count() === 1,
              'the stale warning does not lead to the pipeline page');
        check(await page.getAttribute('#health', 'data-stale') === 'true',
              'the health strip is not marked stale');
      }
      await shot(page, 'dashboard-empty-desktop.png');
      await page.setViewportSize(phone);
      await shot(page, 'dashboard-empty-phone.png');
      await csp_of(page, 'desktop');
      await context.close();
      result.ok = problems.length === 0;
      return;
    }

    // Every card and chart has data.
    const k30 = await kpis(page);
    for (const key of ['total_sessions', 'conversion_rate', 'total_revenue', 'avg_order_value']) {
      check(k30[key] && k30[key] !== '—' && k30[key] !== '0' && k30[key] !== '$0.00',
            `KPI ${key} shows "${k30[key]}"`);
    }
    check(await page.locator('#kpi-cards .kpi-delta').count() === 4,
          'the KPI cards have no previous-period delta');
    check(await page.locator('#panel-cohorts table.heatmap tbody tr').count() > 0 &&
              await page.locator('#panel-cohorts td.heat-10').count() > 0,
          'the cohort heatmap has no rows (week 0 is 100% of each cohort)');
    check(await page.getAttribute('#panel-cohorts', 'data-empty') === 'false',
          'panel cohorts is empty');
    for (const chart of ['daily', 'outcomes', 'funnel', 'products']) {
      const canvas = page.locator(`#chart-${chart} canvas`).first();
      check(await canvas.count() === 1 && await canvas.isVisible(), `chart ${chart} not drawn`);
      check(await page.getAttribute(`#panel-${chart}`, 'data-empty') === 'false',
            `panel ${chart} is empty`);
    }
    // The live sparkline is SVG of the page's own: a line per series, a column per minute with
    // its figures, and its figures in words for assistive technology.
    const spark = page.locator('#chart-live svg.sparkline');
    check(await spark.count() === 1 && await spark.isVisible(), 'the live sparkline is not drawn');
    check(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){29}$/.test(
              await page.getAttribute('#chart-live .spark-events', 'd') ?? ''),
          'the live sparkline has no line of 30 minutes');
    check(await page.locator('#chart-live .spark-minute title').count() === 30,
          'the live sparkline has no hover text per minute');
    check(/in the last minute, at most [1-9]/.test(
              await page.getAttribute('#chart-live', 'aria-label') ?? ''),
          'the live sparkline does not say its figures');
    check(await page.getAttribute('#panel-live', 'data-empty') === 'false',
          'the live panel is empty');
    check(await page.locator('#panel-pages tbody tr').count() > 3, 'top pages has no rows');
    check(await page.locator('#panel-sources tbody tr').count() >= 3, 'top sources has no rows');
    check(await page.locator('#panel-products tbody tr').count() === 10,
          'top products does not list 10 products');
    check(Number((await page.textContent('#live-events')).replace(/,/g, '')) > 0,
          'the live panel counts no events in the last 5 minutes');
    check(await page.locator('#health-asof time').count() === 1, 'health: no "data as of"');
    check(await page.locator('#health-transform time').count() === 1,
          'health: no last transform');
    result.kpis_30_days = k30;
    await shot(page, 'dashboard-desktop.png');

    // A preset: the numbers and the URL change.
    let before = await renders(page);
    await page.click('.preset[data-days="7"]');
    await rendered_after(page, before);
    const k7 = await kpis(page);
    check(query(page).days === '7', `the 7-day preset is not in the URL: ${page.url()}`);
    check(k7.total_sessions !== k30.total_sessions,
          `7 days show as many sessions as 30 (${k7.total_sessions})`);
    result.kpis_7_days = k7;

    // A range typed with the keyboard only (the browser's own date fields), applied with Enter.
    await page.focus('#range-start');
    const end_value = await page.inputValue('#range-end');
    const start_day = new Date(Date.parse(`${end_value}T00:00:00Z`) - 59 * 86400e3);
    const [yy, mm, dd] = start_day.toISOString().slice(0, 10).split('-');
    await page.keyboard.type(`${mm}${dd}${yy}`);
    check(await page.inputValue('#range-start') === `${yy}-${mm}-${dd}`,
          `typing a date gave "${await page.inputValue('#range-start')}"`);
    before = await renders(page);
    await page.keyboard.press('Enter');
    await rendered_after(page, before);
    const q60 = query(page);
    check(q60.start === `${yy}-${mm}-${dd}` && q60.end === end_value,
          `the typed range is not in the URL: ${page.url()}`);
    const k60 = await kpis(page);
    check(Number(k60.total_sessions.replace(/,/g, '')) >
              Number(k30.total_sessions.replace(/,/g, '')),
          `60 days show no more sessions than 30 (${k60.total_sessions})`);
    check((await page.textContent('#range-text')).includes(yy), 'the range is not written out');

    await csp_of(page, 'typed range');

    // The date fields work with the keyboard alone: focused anew, a date field is on its first
    // segment (the month, in the en-US month/day/year order); ArrowRight to the day, ArrowDown
    // moves it a day back, Enter applies.
    await page.focus('#range-end');
    await page.focus('#range-start');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const stepped = await page.inputValue('#range-start');
    const day_before = new Date(Date.parse(`${yy}-${mm}-${dd}T00:00:00Z`) - 86400e3);
    // The day segment wraps within its month (the 1st goes to the 31st or 30th).
    check(stepped !== `${yy}-${mm}-${dd}` && stepped.slice(0, 7) === `${yy}-${mm}`,
          `ArrowDown on the day gave "${stepped}"`);
    before = await renders(page);
    await page.keyboard.press('Enter');
    await rendered_after(page, before);
    check(query(page).start === stepped, `the stepped start is not in the URL: ${page.url()}`);
    if (dd !== '01') {
      check(stepped === day_before.toISOString().slice(0, 10),
            `ArrowDown on ${yy}-${mm}-${dd} gave ${stepped}`);
      check(Number((await kpis(page)).total_sessions.replace(/,/g, '')) >=
                Number(k60.total_sessions.replace(/,/g, '')),
            'a day more shows fewer sessions');
    }
    await csp_of(page, 'keyboard range');

    // A bad range is refused with a reason, and nothing is asked of the server.
    await page.fill('#range-end', `${Number(yy) - 1}-${mm}-${dd}`);
    await page.click('#range-apply');
    check(await page.isVisible('#range-error'), 'an end before the start is not refused');
    check(query(page).start === stepped, 'a refused range changed the URL');
    await page.fill('#range-end', end_value);
    await csp_of(page, 'refused range');

    // Back to 30 days, then a click on the top product's bar in the chart.
    before = await renders(page);
    await page.click('.preset[data-days="30"]');
    await rendered_after(page, before);
    const top_name = await page.textContent('#panel-products tbody tr:first-child td button');
    await page.locator('#chart-products').scrollIntoViewIfNeeded();
    const box = await page.locator('#chart-products').boundingBox();
    before = await renders(page);
    // The first bar is the band at the top of the grid (8 px margin, 10 bands); it is the
    // longest, so the middle of the chart lies on it.
    await page.mouse.click(box.x + box.width * 0.55, box.y + 8 + (box.height - 16) / 20);
    await rendered_after(page, before);
    const q_product = query(page);
    check(Boolean(q_product.product), `the product click is not in the URL: ${page.url()}`);
    const chip = await page.textContent('#filter-chips');
    check(chip.includes(`Product: ${top_name}`), `the product chip says "${chip}"`);
    const k_product = await kpis(page);
    check(k_product.total_sessions !== k30.total_sessions,
          `the product filter left total sessions at ${k_product.total_sessions}`);
    result.product_filter = {product: q_product.product, name: top_name, kpis: k_product};
    await shot(page, 'dashboard-product-filter-desktop.png');

    // Reloading the URL restores the view.
    const url_before = page.url();
    await page.reload();
    await rendered_after(page, 0);
    check(page.url() === url_before, 'the reload changed the URL');
    check((await page.textContent('#filter-chips')).includes(`Product: ${top_name}`),
          'the reload lost the product chip');
    const k_reload = await kpis(page);
    check(JSON.stringify(k_reload) === JSON.stringify(k_product),
          `the reload shows other numbers: ${JSON.stringify(k_reload)}`);

    // CSV of every panel: the file holds the panel's answer as the API gives it for this view
    // (the product filter, the default 30 days), row for row. The expected rows are built here
    // from the JSON, not by the page's code.
    const api_query = new URL(page.url()).searchParams;
    api_query.delete('days');
    const api = async (panel) => {
      const res = await fetch(`${base}/api/dashboard/${panel}?${api_query}`,
                              {headers: {Authorization: authorization}});
      check(res.status === 200, `GET /api/dashboard/${panel}: ${res.status}`);
      return res.json();
    };
    const cell = (v) => (v === null || v === undefined ? '' : String(v));
    const list = (key, fields) => (b) => (b[key] ?? []).map((r) => fields.map((f) => r[f]));
    const expected_csv = {
      kpis: {columns: ['kpi', 'value', 'previous'],
             rows: (b) => ['total_sessions', 'conversion_rate', 'total_revenue',
                           'avg_order_value'].map((k) => [k, b.kpis[k].value,
                                                          b.kpis[k].previous])},
      daily: {columns: ['day', 'sessions', 'revenue', 'orders', 'previous_sessions',
                        'previous_revenue'],
              list: 'days'},
      outcomes: {columns: ['outcome', 'sessions', 'previous_sessions']},
      funnel: {columns: ['stage', 'label', 'sessions', 'of_previous', 'of_first'],
               list: 'stages'},
      products: {columns: ['product_id', 'name', 'brand', 'category', 'revenue', 'units_sold',
                           'views']},
      cohorts: {columns: ['cohort', 'size', ...Array.from({length: 9}, (_, w) => `week_${w}`)],
                rows: (b) => b.cohorts.map((c) => [c.cohort, c.size, ...Array.from(
                    {length: 9}, (_, w) => c.weeks.find((x) => x.week === w)?.retention)])},
      pages: {columns: ['path', 'views', 'visitors', 'entries', 'exits']},
      sources: {columns: ['source', 'sessions', 'visitors']},
      live: {columns: ['minute', 'events', 'visitors'], list: 'per_minute'},
    };
    const parse_csv = (text) => {
      const rows = [];
      let row = [];
      let field = '';
      let quoted = false;
      for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (quoted) {
          if (ch === '"' && text[i + 1] === '"') {
            field += '"';
            i++;
          } else if (ch === '"') {
            quoted = false;
          } else {
            field += ch;
          }
        } else if (ch === '"') {
          quoted = true;
        } else if (ch === ',') {
          row.push(field);
          field = '';
        } else if (ch === '\r' && text[i + 1] === '\n') {
          row.push(field);
          rows.push(row);
          row = [];
          field = '';
          i++;
        } else {
          field += ch;
        }
      }
      return rows;
    };
    result.csv = {};
    for (const [panel, spec] of Object.entries(expected_csv)) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click(`#panel-${panel} button.csv`),
      ]);
      const rows = parse_csv(readFileSync(await download.path(), 'utf8'));
      const body = await api(panel);
      const want = (spec.rows ?? list(spec.list ?? panel, spec.columns))(body);
      check(JSON.stringify(rows[0]) === JSON.stringify(spec.columns),
            `${panel} CSV header: ${JSON.stringify(rows[0])}`);
      check(rows.length - 1 === want.length,
            `${panel} CSV has ${rows.length - 1} rows, the API ${want.length}`);
      check(want.length > 0, `${panel}: the API answers no rows to compare`);
      // The live minutes move on between the download and the API's answer: their shape only.
      if (panel !== 'live') {
        want.forEach((w, i) => {
          const got = rows[i + 1] ?? [];
          const same = w.every((v, j) => (typeof v === 'number' ?
              Number(got[j]) === v : got[j] === cell(v)));
          check(same, `${panel} CSV row ${i + 1} is ${JSON.stringify(got)}, the API ` +
                          `${JSON.stringify(w)}`);
        });
      }
      check(download.suggestedFilename().startsWith(`gadgetgrove-${panel}`),
            `the ${panel} CSV is named ${download.suggestedFilename()}`);
      result.csv[panel] = {name: download.suggestedFilename(), rows: rows.length - 1};
    }
    check(result.csv.products.rows === await page.locator('#panel-products tbody tr').count(),
          'the products CSV does not hold the rows shown');
    await csp_of(page, 'csv');

    // The chip removes the filter; a category in the products table filters by category.
    before = await renders(page);
    await page.click('#filter-chips button[data-remove-filter="product"]');
    await rendered_after(page, before);
    check(!query(page).product, 'removing the chip left the product in the URL');
    const category = await page.textContent('#panel-products tbody tr:first-child ' +
                                            'button[data-filter-key="category"]');
    before = await renders(page);
    await page.click('#panel-products tbody tr:first-child button[data-filter-key="category"]');
    await rendered_after(page, before);
    check(query(page).category === category, `the category is not in the URL: ${page.url()}`);
    check((await page.textContent('#filter-chips')).includes(`Category: ${category}`),
          'no category chip');
    const k_category = await kpis(page);
    check(k_category.total_sessions !== k30.total_sessions, 'the category filter changed nothing');
    // Filters add up: an outcome (a click on the donut's purchase slice, the first one,
    // clockwise from 12 o'clock) and a source (from its table), then "Clear all".
    await page.locator('#chart-outcomes').scrollIntoViewIfNeeded();
    const donut = await page.locator('#chart-outcomes').boundingBox();
    const radius = 0.55 * Math.min(donut.width, donut.height) / 2;
    before = await renders(page);
    await page.mouse.click(donut.x + donut.width / 2 + radius * Math.sin(Math.PI / 12),
                           donut.y + donut.height * 0.45 - radius * Math.cos(Math.PI / 12));
    await rendered_after(page, before);
    before = await renders(page);
    await page.click('#panel-sources tbody tr:first-child button[data-filter-key="source"]');
    await rendered_after(page, before);
    const q3 = query(page);
    check(q3.category === category && q3.outcome === 'purchase' && Boolean(q3.source),
          `three filters are not all in the URL: ${page.url()}`);
    check(await page.locator('#filter-chips li').count() === 3, 'not three filter chips');
    check((await page.textContent('#filter-chips')).includes('Outcome: Purchase'),
          'no outcome chip');
    const k3 = await kpis(page);
    check(k3.conversion_rate === '100.0%',
          `only purchasing sessions, yet the conversion rate is ${k3.conversion_rate}`);
    await shot(page, 'dashboard-filters-desktop.png');
    before = await renders(page);
    await page.click('#filters-clear');
    await rendered_after(page, before);
    check(await page.isHidden('#filters'), 'the filter bar stays after "Clear all"');
    check(JSON.stringify(await kpis(page)) === JSON.stringify(k30),
          'clearing the filters does not restore the unfiltered numbers');
    await csp_of(page, 'filters');
    // A page in the top pages table filters by page: sessions that viewed it (the least viewed
    // page of the list, so fewer sessions than all).
    const page_path = await page.textContent('#panel-pages tbody tr:last-child ' +
                                             'button[data-filter-key="page"]');
    before = await renders(page);
    await page.click('#panel-pages tbody tr:last-child button[data-filter-key="page"]');
    await rendered_after(page, before);
    check(query(page).page === page_path, `the page filter is not in the URL: ${page.url()}`);
    check((await page.textContent('#filter-chips')).includes(`Page: ${page_path}`),
          'no page chip');
    check(await page.getAttribute(`#panel-pages button[data-filter-value="${page_path}"]`,
                                  'aria-pressed') === 'true',
          'the filtering page is not marked pressed');
    const k_page = await kpis(page);
    check(Number(k_page.total_sessions.replace(/,/g, '')) <
              Number(k30.total_sessions.replace(/,/g, '')),
          `the page filter left total sessions at ${k_page.total_sessions}`);
    result.page_filter = {page: page_path, kpis: k_page};
    await csp_of(page, 'page filter');
    before = await renders(page);
    await page.goBack();
    await rendered_after(page, before);
    check(!query(page).page, 'Back did not leave the page filter');
    // Back: the browser's history holds each view.
    before = await renders(page);
    await page.goBack();
    await rendered_after(page, before);
    check(query(page).source === q3.source, 'Back did not return to the filtered view');

    // A range with nothing in it: each panel says so, in words, instead of a blank chart.
    before = await renders(page);
    await page.goto(`${base}/dashboard?start=2020-01-01&end=2020-01-31`);
    await rendered_after(page, 0);
    for (const panel of ['daily', 'outcomes', 'products', 'pages']) {
      const empty = page.locator(`#panel-${panel} .panel-empty`);
      check(await empty.isVisible() &&
                (await empty.textContent()).startsWith('Nothing from 2020-01-01 to 2020-01-31'),
            `${panel}: no "nothing in this range" state`);
      check(await empty.getAttribute('data-reason') === 'range', `${panel}: wrong empty reason`);
    }
    check(await page.isHidden('#no-data'), 'an empty range claims there is no data at all');
    await shot(page, 'dashboard-empty-range-desktop.png');

    // Auto-refresh redraws by itself, and leaves a date being typed alone; paused, it does not
    // redraw.
    const typed = await page.inputValue('#range-start');
    const typing = `${Number(typed.slice(0, 4)) - 1}${typed.slice(4, 8)}01`;
    await page.fill('#range-start', typing);
    before = await renders(page);
    await rendered_after(page, before);
    check(await page.inputValue('#range-start') === typing,
          'an auto-refresh overwrote the date being typed');
    await page.fill('#range-start', typed);
    await page.click('#refresh-toggle');
    check(await page.getAttribute('#refresh-toggle', 'aria-pressed') === 'true',
          'the pause button is not pressed');
    const paused_at = await renders(page);
    await page.waitForTimeout(12000);
    check(await renders(page) === paused_at, 'the page refreshed while paused');
    await page.click('#refresh-toggle');
    await rendered_after(page, paused_at);

    // Dark and phone.
    await csp_of(page, 'desktop');
    await context.close();
    const dark = await new_context({colorScheme: 'dark'});
    const dark_page = await dark.newPage();
    watch(dark_page, 'dark');
    await dark_page.goto(`${base}/dashboard`);
    await rendered_after(dark_page, 0);
    await shot(dark_page, 'dashboard-dark-desktop.png');
    await csp_of(dark_page, 'dark');
    await dark.close();

    const small = await new_context({viewport: phone, isMobile: true, hasTouch: true});
    const phone_page = await small.newPage();
    watch(phone_page, 'phone');
    await phone_page.goto(`${base}/dashboard`);
    await rendered_after(phone_page, 0);
    const overflow = await phone_page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `the phone layout is ${overflow} px wider than the screen`);
    const card_width = await phone_page.evaluate(
        () => document.querySelector('.kpi-card').getBoundingClientRect().width);
    check(card_width < phone.width / 2, 'the KPI cards are not two to a row on a phone');
    await shot(phone_page, 'dashboard-phone.png');
    await csp_of(phone_page, 'phone');
    await small.close();
    result.ok = problems.length === 0;
  } catch (e) {
    problems.push(`flow stopped: ${e.stack || e.message}`);
  } finally {
    await browser.close();
    result.problems = problems;
    result.csp_violations = csp_violations;
    result.screenshots = screenshots;
    console.log(JSON.stringify(result));
    process.exitCode = result.ok ? 0 : 1;
  }
}

main().catch((e) => {
  console.log(JSON.stringify({ok: false, problems: [`flow crashed: ${e.stack || e.message}`]}));
  process.exit(1);
});
