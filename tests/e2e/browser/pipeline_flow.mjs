// Drives the admin console's pipeline page in headless Chromium as an operator would, signed in
// with HTTP Basic: the flows are listed, a load run is in the runs table and its page shows the
// ingestion summary, a hostile Markdown artifact is shown as text, "Run now" on transform starts
// a run, the state filter changes the URL and the rows and survives a reload, and the page is
// keyboard-usable. Screenshots at desktop and phone width. Any console error, page error,
// failed request or Content-Security-Policy violation is a failure.
//
//   node pipeline_flow.mjs --url http://127.0.0.1:9000 --password <admin password>
//                          --load-run <id> --hostile-run <id> --out <screenshot dir>
//
// Prints one JSON line on stdout: {"ok":true,"transform_run_id":...,"problems":[],...}.
// Environment: CHROMIUM_PATH overrides /usr/bin/chromium.

import {chromium} from 'playwright-core';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

function parse_args(argv) {
  const args = {url: null, password: null, load_run: null, hostile_run: null, out: null,
                timeout: 20000};
  const keys = {'--url': 'url', '--password': 'password', '--load-run': 'load_run',
                '--hostile-run': 'hostile_run', '--out': 'out', '--timeout': 'timeout'};
  for (let i = 0; i < argv.length; i += 2) {
    const key = keys[argv[i]];
    if (!key || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    args[key] = key === 'timeout' ? Number(argv[i + 1]) : argv[i + 1];
  }
  for (const k of ['url', 'password', 'load_run', 'hostile_run', 'out']) {
    if (!args[k]) throw new Error(`missing --${k.replace('_', '-')}`);
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
    window.__csp_violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
};

async function main() {
  const args = parse_args(process.argv.slice(2));
  mkdirSync(args.out, {recursive: true});
  const profile = mkdtempSync(join(tmpdir(), 'gg-chromium-'));
  const problems = [];
  const screenshots = [];
  const result = {ok: false};
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: chromium_args,
    viewport: desktop,
    timeout: args.timeout,
    httpCredentials: {username: 'operator', password: args.password},
  });
  context.setDefaultTimeout(args.timeout);
  await context.addInitScript(watch_csp);

  // The one refusal the scenario asks for (a run that does not exist): its 404 and the
  // browser's console line about it are expected, nothing else is.
  let expected_404 = null;
  const watch = (page, label) => {
    page.on('console', (msg) => {
      if (expected_404 && msg.type() === 'error' && msg.text().includes('404') &&
          msg.location().url?.includes(expected_404)) {
        return;
      }
      if (msg.type() === 'error' || msg.type() === 'warning') {
        problems.push(`${label} console ${msg.type()}: ${msg.text()}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`${label} page error: ${err.message}`));
    page.on('response', (res) => {
      if (expected_404 && res.status() === 404 && res.url().includes(expected_404)) return;
      if (res.status() >= 400) problems.push(`${label} ${res.status()} for ${res.url()}`);
    });
    page.on('requestfailed', (req) => {
      // A reload or navigation cancels the page's requests still in flight: not a failure.
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
  const csp_of = (page) => page.evaluate(() => window.__csp_violations ?? ['watcher missing']);

  try {
    const page = context.pages()[0] ?? await context.newPage();
    watch(page, 'desktop');
    const base = args.url.replace(/\/$/, '');

    // Flows and runs.
    await page.goto(`${base}/pipeline`);
    for (const flow of ['load', 'transform', 'cleanup']) {
      await page.waitForSelector(`#flows tr[data-flow="${flow}"]`);
    }
    check(await page.getAttribute('.nav-links a[data-page="pipeline"]', 'aria-current') === 'page',
          'the Pipeline link is not marked current');
    const load_row = page.locator(`#runs tr[data-run="${args.load_run}"]`);
    await load_row.waitFor();
    check((await load_row.getAttribute('data-state')) === 'completed',
          'the load run is not completed');
    check((await load_row.innerText()).includes('load'), 'the load run row does not name its flow');
    const title = await page.getAttribute(`#runs tr[data-run="${args.load_run}"] time`, 'title');
    check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(title ?? ''),
          `a run's time has no UTC hover text: ${title}`);
    await shot(page, 'pipeline-desktop.png');

    // The load run's page, opened from the keyboard: its ingestion summary.
    await page.focus(`#runs tr[data-run="${args.load_run}"] a`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#run-view:not([hidden])');
    check(new URL(page.url()).hash === `#run=${args.load_run}`,
          `the run view URL is ${page.url()}`);
    const summary = page.locator('#run-body article[data-key="ingestion-summary"]');
    await summary.waitFor();
    const summary_text = await summary.innerText();
    check(summary_text.includes('Ingestion Summary'), 'the ingestion summary has no title');
    check(await summary.locator('table th').count() > 0, 'the ingestion summary has no table');
    check(await summary.locator('strong').count() > 0, 'the ingestion summary has no bold text');
    check(await page.locator('#run-body h2', {hasText: 'Tasks'}).count() === 1, 'no Tasks section');
    await shot(page, 'run-desktop.png');

    // A Markdown artifact with markup in it renders as text and runs nothing.
    await page.goto(`${base}/pipeline?run=${encodeURIComponent(args.hostile_run)}`);
    const hostile = page.locator('#run-body article[data-key="hostile-markdown"]');
    await hostile.waitFor();
    const hostile_text = await hostile.innerText();
    check(hostile_text.includes('<script>window.__pwned = 1</script>'),
          'the <script> of the artifact is not shown as text');
    check(hostile_text.includes('<img src=x onerror="window.__pwned = 2">'),
          'the <img onerror> of the artifact is not shown as text');
    check(await hostile.locator('script, img, iframe').count() === 0,
          'the hostile artifact produced elements');
    check(await hostile.locator('a[href^="javascript"]').count() === 0,
          'a javascript: link was made');
    check(await hostile.locator('a[href="https://example.com/docs"][rel~="noopener"]')
              .count() === 1,
          'the https link is missing or lacks rel=noopener');
    check(await hostile.locator('td', {hasText: '<b>cell</b>'}).count() === 1,
          'HTML in a table cell is not text');
    check(await page.evaluate(() => window.__pwned) === undefined, 'the artifact ran script');
    await shot(page, 'hostile-artifact-desktop.png');

    // Run now on transform.
    await page.goto(`${base}/pipeline`);
    const run_now = page.locator('#flows tr[data-flow="transform"] button');
    await run_now.waitFor();
    // The POST is held back a moment so the button can be seen disabled while it is under way.
    let release_post;
    const post_held = new Promise((resolve) => { release_post = resolve; });
    await page.route('**/api/flows/transform/run', async (route) => {
      await post_held;
      await route.continue();
    });
    await run_now.click();
    await page.waitForFunction(() => {
      const b = document.querySelector('#flows tr[data-flow="transform"] button');
      return b.disabled && b.textContent.includes('Starting');
    });
    release_post();
    const notice = page.locator('#trigger-result a');
    await notice.waitFor();
    await page.unroute('**/api/flows/transform/run');
    const href = await notice.getAttribute('href');
    const transform_run = decodeURIComponent(href.slice(href.indexOf('#run=') + 5));
    result.transform_run_id = transform_run;
    check(/^[0-9a-f-]{36}$/.test(transform_run), `Run now showed no run id: ${href}`);
    check(!(await run_now.isDisabled()), 'Run now stays disabled');
    const listed = await page.evaluate(async (id) => {
      const r = await fetch('/api/runs?flow=transform&limit=50');
      return (await r.json()).runs.some((run) => run.id === id);
    }, transform_run);
    check(listed, 'the new transform run is not in /api/runs');
    await page.locator(`#runs tr[data-run="${transform_run}"]`).waitFor();

    // The new run's page follows it to the end (auto-refresh) and shows its "table" artifact
    // as an HTML table built from the artifact's JSON rows.
    await page.click(`#runs tr[data-run="${transform_run}"] a`);
    await page.waitForSelector('#run-view:not([hidden])');
    const models = page.locator('#run-body article[data-kind="table"][data-key="model-results"]');
    await models.waitFor({timeout: 30000});
    check(await models.locator(':scope > .table-wrap table th', {hasText: 'node'}).count() === 1,
          'the model results table has no "node" column');
    check(await models.locator(':scope > .table-wrap table tbody tr').count() > 0,
          'the model results table has no rows');
    await shot(page, 'transform-run-desktop.png');
    await page.click('#run-back');
    await page.waitForSelector('#overview:not([hidden])');

    // A run that does not exist: the API's answer is shown, not a blank page.
    expected_404 = '/api/runs/00000000-0000-7000-8000-000000000000';
    await page.goto(`${base}/pipeline#run=00000000-0000-7000-8000-000000000000`);
    await page.waitForSelector('#run-error:not([hidden])');
    const run_error = await page.innerText('#run-error');
    check(/Could not load run .*HTTP 404/.test(run_error), `the missing run says: ${run_error}`);
    expected_404 = null;

    // Paging with the API's cursor: two runs a page (the page size is part of the URL).
    await page.goto(`${base}/pipeline?limit=2`);
    await page.waitForFunction(() =>
      document.querySelectorAll('#runs tbody tr[data-run]').length === 2);
    const first_page = await page.$$eval('#runs tbody tr[data-run]', (rows) =>
      rows.map((r) => r.dataset.run));
    await page.click('#runs-older');
    await page.waitForURL(/[?&]before=/);
    await page.waitForFunction((ids) => {
      const rows = [...document.querySelectorAll('#runs tbody tr[data-run]')];
      return rows.length > 0 && rows.every((r) => !ids.includes(r.dataset.run));
    }, first_page);
    check(new URL(page.url()).searchParams.get('limit') === '2', 'paging lost the page size');
    check(!(await page.isHidden('#runs-newest')), 'no way back to the newest runs');
    await page.click('#runs-newest');
    await page.waitForURL((u) => !u.search.includes('before='));
    await page.waitForFunction((ids) => {
      const rows = [...document.querySelectorAll('#runs tbody tr[data-run]')];
      return rows.map((r) => r.dataset.run).join() === ids.join();
    }, first_page);
    await page.goto(`${base}/pipeline`);

    // Auto-refresh redraws the tables without taking the focus away from a keyboard user.
    await page.focus(`#runs tr[data-run="${args.load_run}"] a`);
    const before_refresh = await page.innerText('#refresh-status');
    await page.waitForFunction((text) =>
      document.querySelector('#refresh-status').textContent !== text, before_refresh,
      {timeout: 15000});
    check(await page.evaluate((id) => {
      const a = document.activeElement;
      return a?.closest('tr')?.dataset.run === id && a.isConnected;
    }, args.load_run), 'an auto-refresh took the focus away');

    // Filters: the state filter goes into the URL and changes the rows, and survives a reload.
    const all_rows = await page.locator('#runs tbody tr[data-run]').count();
    await page.selectOption('#filter-state', 'completed');
    await page.waitForURL(/[?&]state=completed/);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#runs tbody tr[data-run]')];
      return rows.length > 0 && rows.every((r) => r.dataset.state === 'completed');
    });
    await page.selectOption('#filter-state', 'crashed');
    await page.waitForURL(/[?&]state=crashed/);
    await page.waitForSelector('#runs tbody td.empty');
    check((await page.innerText('#runs tbody td.empty')).includes('No runs match these filters'),
          'the empty runs table does not say why');
    check(all_rows > 0, 'the unfiltered runs table was empty');
    await page.selectOption('#filter-flow', 'load');
    await page.waitForURL(/[?&]flow=load/);
    await page.reload();
    await page.waitForSelector('#runs tbody td.empty');
    check(await page.inputValue('#filter-state') === 'crashed', 'the state filter was lost');
    check(await page.inputValue('#filter-flow') === 'load', 'the flow filter was lost');
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('flow=load'));

    // Auto-refresh can be paused from the keyboard.
    await page.focus('#refresh-toggle');
    await page.keyboard.press('Enter');
    check(await page.getAttribute('#refresh-toggle', 'aria-pressed') === 'true',
          'auto-refresh did not pause');
    check(await page.evaluate(() => {
      const b = document.querySelector('#refresh-toggle');
      return document.activeElement === b && getComputedStyle(b).outlineStyle !== 'none';
    }), 'the focused button shows no focus ring');

    // The dark palette (the system's preference) is a stylesheet matter only.
    await page.emulateMedia({colorScheme: 'dark'});
    const dark_bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(dark_bg === 'rgb(17, 20, 24)', `the dark background is ${dark_bg}`);
    await shot(page, 'pipeline-dark-desktop.png');
    await page.emulateMedia({colorScheme: 'light'});

    result.csp_violations = await csp_of(page);

    // Phone width.
    const small = await context.newPage();
    watch(small, 'phone');
    await small.setViewportSize(phone);
    await small.goto(`${base}/pipeline`);
    await small.waitForSelector('#flows tr[data-flow="load"]');
    await small.locator(`#runs tr[data-run="${args.load_run}"]`).waitFor();
    check(await small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1),
          'the phone layout scrolls sideways');
    await shot(small, 'pipeline-phone.png');
    await small.goto(`${base}/pipeline#run=${encodeURIComponent(args.load_run)}`);
    await small.locator('#run-body article[data-key="ingestion-summary"]').waitFor();
    await shot(small, 'run-phone.png');
    result.csp_violations.push(...await csp_of(small));
    await small.close();

    for (const v of result.csp_violations) problems.push(`CSP violation: ${v}`);
    result.ok = problems.length === 0;
  } catch (err) {
    problems.push(`flow failed: ${err.stack || err}`);
  } finally {
    await context.close().catch(() => {});
    rmSync(profile, {recursive: true, force: true});
  }
  result.ok = result.ok && problems.length === 0;
  result.problems = problems;
  result.screenshots = screenshots;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ok: false, problems: [String(err.stack || err)]})}\n`);
  process.exitCode = 1;
});
