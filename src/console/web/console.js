// What every console page shares: building DOM nodes from data (text only, never HTML),
// talking to the admin JSON API (with its CSRF token for POSTs), and showing times and states.

import {format_local, format_relative, format_utc, parse_time} from './format.js';

/**
 * A new element: `props` sets className, id, href (http(s) or same-origin paths only), title,
 * type, hidden, disabled and data-* / aria-* attributes; children are nodes or strings (added as
 * text). Null and false children are skipped.
 */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'className') e.className = v;
    else if (k === 'hidden' || k === 'disabled') e[k] = Boolean(v);
    else if (k === 'href') e.setAttribute('href', same_origin_href(v));
    else if (k === 'id' || k === 'title' || k === 'type' || k === 'scope' || k === 'datetime' ||
             k.startsWith('data-') || k.startsWith('aria-')) {
      e.setAttribute(k, String(v));
    } else {
      throw new Error(`el(): unsupported property ${k}`);
    }
  }
  append(e, children);
  return e;
}

function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === 'string' || typeof c === 'number' ?
                                document.createTextNode(String(c)) : c);
  }
}

/** Only links within this site: a path, a query or a fragment. */
function same_origin_href(v) {
  const s = String(v);
  return /^(\/(?!\/)|\?|#)/.test(s) ? s : '#';
}

/** Replaces the children of `parent` by `children`. */
export function replace_children(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * replace_children() for content redrawn while someone may be using it (auto-refresh): the
 * element that had the focus inside `parent` is found again by its data-focus-key and focused,
 * so a keyboard user is not thrown back to the top of the page every few seconds.
 */
export function redraw_children(parent, ...children) {
  const active = document.activeElement;
  const key = active && parent.contains(active) ? active.getAttribute('data-focus-key') : null;
  replace_children(parent, ...children);
  if (key === null) return;
  const again = [...parent.querySelectorAll('[data-focus-key]')]
                    .find((e) => e.getAttribute('data-focus-key') === key);
  if (again) again.focus({preventScroll: true});
}

/** Shows `message` in the error element `node`, or hides it when `message` is empty. */
export function show_error(node, message) {
  node.textContent = message || '';
  node.hidden = !message;
}

/** An API failure: the HTTP status and the server's reason. */
export class api_error extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function read_json(res) {
  const text = await res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function failure(res, body) {
  const reason = body && (body.reason || body.error);
  if (res.status === 401) return new api_error(401, 'Not signed in to the admin API (HTTP 401).');
  if (res.status === 403) {
    return new api_error(403, `Refused (HTTP 403)${reason ? `: ${reason}` : ''}.`);
  }
  return new api_error(res.status, `${reason || res.statusText || 'request failed'} (HTTP ` +
                                   `${res.status}).`);
}

/** GET `path` as JSON; throws api_error (or a network TypeError, reworded) on failure. */
export async function get_json(path) {
  return json_answer(fetch(path, {credentials: 'same-origin',
                                  headers: {Accept: 'application/json'}, cache: 'no-store'}));
}

/** The JSON body of a fetch() already sent (`response`: its promise), as get_json reads it. */
export async function json_answer(response) {
  let res;
  try {
    res = await response;
  } catch (e) {
    throw new api_error(0, `The server did not answer (${e.message}).`);
  }
  const body = await read_json(res);
  if (!res.ok) throw failure(res, body);
  return body;
}

let csrf_token = null;

async function csrf() {
  if (csrf_token === null) csrf_token = (await get_json('/api/csrf')).token;
  return csrf_token;
}

/**
 * POSTs `body` (JSON) to `path` with the CSRF token of GET /api/csrf, fetched once per page; a
 * 403 fetches a fresh token and tries once more (the cookie may have been replaced).
 */
export async function post_json(path, body = {}) {
  for (let attempt = 0; ; attempt++) {
    const token = await csrf();
    let res;
    try {
      res = await fetch(path, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token,
                  Accept: 'application/json'},
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new api_error(0, `The server did not answer (${e.message}).`);
    }
    const reply = await read_json(res);
    if (res.ok) return reply;
    if (res.status === 403 && attempt === 0) {
      csrf_token = null;
      continue;
    }
    throw failure(res, reply);
  }
}

/**
 * A <time> for an API timestamp: the browser's local time, the UTC time on hover; `fallback`
 * text when there is none. With `relative`, the distance from now follows in muted text.
 */
export function time_el(iso, {fallback = '—', relative = false} = {}) {
  const d = parse_time(iso);
  if (!d) return el('span', {className: 'muted'}, fallback);
  const t = el('time', {datetime: d.toISOString(), title: format_utc(d)}, format_local(d));
  if (!relative) return t;
  return el('span', {}, t, ' ', el('span', {className: 'muted small'},
                                    `(${format_relative(d)})`));
}

const state_symbols = {
  completed: '✓', fresh: '✓', failed: '✗', crashed: '✗', running: '▶', pending: '…',
  scheduled: '◷', stale: '!', cancelled: '⊘', skipped: '↷', disabled: '⊘', idle: '·',
};

/** A state pill: a symbol and the word, coloured by state (never colour alone). */
export function state_badge(state) {
  const s = String(state || 'unknown');
  return el('span', {className: `state state-${s.replace(/[^a-z_]/g, '')}`},
            el('span', {'aria-hidden': 'true'}, state_symbols[s] ?? '?'), ` ${s}`);
}
