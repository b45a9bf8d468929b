// GadgetGrove's browser tracker: page(), identify() and track() in the event format of
// POST /api/analytics (docs/reference/behaviour.md §2). Events are queued in localStorage, sent in micro-batches
// (one event: /api/analytics; several: /api/analytics/batch), retried with exponential backoff
// on network errors, 429 and 5xx (honouring Retry-After), and handed to sendBeacon when the
// page goes away. Every event carries a messageId, so a retried or beaconed duplicate is
// recognised downstream.

const DEFAULTS = {
  endpoint: '/api/analytics',
  batchEndpoint: '/api/analytics/batch',
  storageKey: 'gg_tracker_queue',
  batchDelayMs: 50,
  maxBatch: 50,
  maxQueue: 500,
  baseBackoffMs: 500,
  maxBackoffMs: 30000,
  // Events wait this long for setSession() before they are sent without a session id.
  sessionWaitMs: 4000,
};

function uuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // crypto.randomUUID needs a secure context; getRandomValues does not.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function retryAfterMs(response) {
  const value = response.headers.get('Retry-After');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export class Tracker {
  constructor(options = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.sessionId = null;
    this.userId = null;
    this.sessionKnown = false;
    this.queue = this.load();
    this.inFlight = new Set();
    this.timer = null;
    this.failures = 0;
    this.blockedUntil = 0;
    this.lastUrl = document.referrer || '';
    this.sessionTimer = setTimeout(() => this.markSessionKnown(), this.opts.sessionWaitMs);
    addEventListener('pagehide', () => this.beacon());
    addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.beacon();
    });
    addEventListener('online', () => this.schedule(0));
    if (this.queue.length > 0) this.schedule(0);
  }

  /** Sets the session (and user) stamped on events; events queued without one get it now. */
  setSession(sessionId, userId) {
    this.sessionId = sessionId || null;
    this.userId = userId || null;
    for (const event of this.queue) {
      if (event.sessionId === undefined && this.sessionId) event.sessionId = this.sessionId;
      if (event.userId === undefined && this.userId && event.type !== 'identify') {
        event.userId = this.userId;
      }
    }
    this.markSessionKnown();
  }

  markSessionKnown() {
    clearTimeout(this.sessionTimer);
    if (this.sessionKnown) return;
    this.sessionKnown = true;
    this.save();
    this.schedule(0);
  }

  page() {
    const url = location.href;
    this.enqueue({
      type: 'page_view',
      url,
      path: location.pathname,
      title: document.title,
      referrer: this.lastUrl,
    });
    this.lastUrl = url;
  }

  identify(userId, traits = {}) {
    this.userId = userId;
    this.enqueue({ type: 'identify', userId, traits: { name: traits.name, email: traits.email } });
  }

  track(event, properties = {}) {
    this.enqueue({ type: 'custom_event', event, properties });
  }

  enqueue(fields) {
    const event = {
      ...fields,
      messageId: uuid(),
      timestamp: new Date().toISOString(),
    };
    if (this.sessionKnown || this.sessionId) {
      if (this.sessionId) event.sessionId = this.sessionId;
      if (this.userId && event.userId === undefined) event.userId = this.userId;
    }
    this.queue.push(event);
    if (this.queue.length > this.opts.maxQueue) {
      this.queue.splice(0, this.queue.length - this.opts.maxQueue);
    }
    this.save();
    this.schedule(this.opts.batchDelayMs);
  }

  /** Resolves once everything queued so far has been sent (or given up on). */
  async flush() {
    clearTimeout(this.timer);
    this.timer = null;
    for (let i = 0; i < 20 && this.pending().length > 0; i++) {
      if (!(await this.send())) break;
    }
  }

  pending() {
    return this.queue.filter((e) => !this.inFlight.has(e.messageId));
  }

  schedule(delayMs) {
    if (!this.sessionKnown) return;
    const wait = Math.max(delayMs, this.blockedUntil - Date.now());
    if (this.timer !== null) return;
    this.timer = setTimeout(async () => {
      this.timer = null;
      const sent = await this.send();
      if (this.pending().length > 0) this.schedule(sent ? 0 : this.backoff());
    }, wait);
  }

  backoff() {
    const exp = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** this.failures);
    return exp / 2 + Math.random() * (exp / 2);
  }

  /** Sends one batch; true when the server took it (or refused it for good). */
  async send() {
    const batch = this.pending().slice(0, this.opts.maxBatch);
    if (batch.length === 0) return true;
    for (const e of batch) this.inFlight.add(e.messageId);
    const single = batch.length === 1;
    let retryable = false;
    try {
      const response = await fetch(single ? this.opts.endpoint : this.opts.batchEndpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(single ? batch[0] : batch),
        keepalive: true,
        credentials: 'same-origin',
      });
      if (response.ok) {
        this.drop(batch);
        this.failures = 0;
        return true;
      }
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        retryable = true;
        const wait = retryAfterMs(response);
        if (wait !== null) this.blockedUntil = Date.now() + wait;
      } else {
        // 4xx: the events are malformed and resending them cannot help.
        console.warn(`analytics: ${batch.length} event(s) refused with ${response.status}`);
        this.drop(batch);
        return true;
      }
    } catch {
      retryable = true;
    } finally {
      for (const e of batch) this.inFlight.delete(e.messageId);
    }
    if (retryable) this.failures++;
    return false;
  }

  drop(batch) {
    const ids = new Set(batch.map((e) => e.messageId));
    this.queue = this.queue.filter((e) => !ids.has(e.messageId));
    this.save();
  }

  /**
   * Last chance when the page is hidden or unloaded: hand the queue to the browser. A beacon
   * gets no answer, so the events also stay in localStorage and are sent again by the next
   * page; the messageId makes the copy a duplicate that is dropped downstream.
   */
  beacon() {
    if (!this.sessionKnown || this.queue.length === 0 || !navigator.sendBeacon) return;
    const batch = this.queue.slice(0, this.opts.maxBatch);
    this.save();
    navigator.sendBeacon(this.opts.batchEndpoint, new Blob([JSON.stringify(batch)], { type: 'application/json' }));
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.opts.storageKey) || '[]');
      return Array.isArray(stored) ? stored.filter((e) => e && typeof e === 'object') : [];
    } catch {
      return [];
    }
  }

  save() {
    try {
      localStorage.setItem(this.opts.storageKey, JSON.stringify(this.queue));
    } catch {
      // Storage full or disabled: events stay in memory only.
    }
  }
}
