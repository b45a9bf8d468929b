// Sends Segment-spec calls with RudderStack's Node SDK (@rudderstack/rudder-sdk-node), which
// posts every /v1/batch body gzip-compressed (Content-Encoding: gzip) by default, the way a
// customer's backend using it would.
//
//   node send_gzip_events.mjs --host http://127.0.0.1:<port> [--write-key KEY] [--run-id ID]
//
// An identify, a track and a page go out one batch each, then five tracks in one batch. Prints
// one JSON line per delivered message ({"kind","messageId","userId"|"anonymousId"}) and exits
// 0 only when every message was acknowledged.

import Analytics from '@rudderstack/rudder-sdk-node';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = option('host');
const writeKey = option('write-key', 'gadgetgrove-test-key');
const runId = option('run-id', String(Date.now()));
if (!host) {
  console.error('usage: node send_gzip_events.mjs --host http://127.0.0.1:<port> [--write-key KEY]');
  process.exit(2);
}

const delivered = [];
let failures = 0;

function send(client, kind, message) {
  return new Promise((resolve) => {
    client[kind](message, (err) => {
      if (err) {
        failures += 1;
        console.error(`${kind} failed: ${err.message ?? err}`);
      } else {
        delivered.push({ kind, ...message });
      }
      resolve();
    });
  });
}

const userId = `gz-user-${runId}`;
const anonymousId = `gz-anon-${runId}`;
const common = { host, retryCount: 0, timeout: 10000, logLevel: 'error' };

// flushAt 1: every call is its own gzip batch.
const single = new Analytics(writeKey, { ...common, flushAt: 1 });
await send(single, 'identify', { userId, messageId: `gz-identify-${runId}`, traits: { plan: 'pro' } });
await send(single, 'track', {
  userId,
  messageId: `gz-track-${runId}`,
  event: 'order_completed',
  properties: { order_id: `O-${runId}`, total: 1299.99 },
});
await send(single, 'page', {
  userId,
  messageId: `gz-page-${runId}`,
  name: 'Laptops',
  properties: { url: 'https://shop.example/category/laptops', path: '/category/laptops' },
});

// Five tracks in one gzip batch.
const batched = new Analytics(writeKey, { ...common, flushAt: 5, flushInterval: 60000 });
const pending = [];
for (let i = 0; i < 5; i += 1) {
  pending.push(
    send(batched, 'track', {
      anonymousId,
      messageId: `gz-view-${runId}-${i}`,
      event: 'product_view',
      properties: { product_id: `LA-0000000${i}`, position: i },
    }),
  );
}
await batched.flush();
await Promise.all(pending);

for (const d of delivered) {
  console.log(JSON.stringify({ kind: d.kind, messageId: d.messageId, userId: d.userId, anonymousId: d.anonymousId }));
}
const expected = 8;
if (failures !== 0 || delivered.length !== expected) {
  console.error(`delivered ${delivered.length} of ${expected}, ${failures} failed`);
  process.exit(1);
}
process.exit(0);
