// Sends Segment Tracking API calls to a GadgetGrove ingest listener with Segment's own Node
// SDK (@segment/analytics-node), the way a customer's backend would.
//
//   node send_events.mjs --host http://127.0.0.1:<port> [--write-key KEY] [--run-id ID]
//
// One identify, one track and one page go out as separate requests; then several tracks are
// flushed together in one batch. Prints one JSON line per delivered message
// ({"kind","messageId","userId"|"anonymousId","event"|"name"}) and exits 0 only when every
// message was acknowledged.

import { Analytics } from '@segment/analytics-node';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = option('host');
const writeKey = option('write-key', 'gadgetgrove-test-key');
const runId = option('run-id', String(Date.now()));
if (!host) {
  console.error('usage: node send_events.mjs --host http://127.0.0.1:<port> [--write-key KEY] [--run-id ID]');
  process.exit(2);
}

const delivered = [];
let failures = 0;

// Resolves when the SDK reports the message delivered (or failed).
function send(client, kind, message) {
  return new Promise((resolve) => {
    client[kind](message, (err, ctx) => {
      if (err) {
        failures += 1;
        console.error(`${kind} failed: ${err.message ?? err}`);
      } else {
        const { messageId, userId, anonymousId, event, name } = ctx.event;
        delivered.push({ kind, messageId, userId, anonymousId, event, name });
      }
      resolve();
    });
  });
}

const userId = `user-${runId}`;
const anonymousId = `anon-${runId}`;

// flushAt 1: every call is its own HTTP request.
const single = new Analytics({ writeKey, host, flushAt: 1, maxRetries: 0, httpRequestTimeout: 10000 });
single.on('error', (e) => console.error('sdk error:', e.code, e.reason?.message ?? e.reason));
await send(single, 'identify', {
  userId,
  traits: { name: 'Ada Lovelace', email: 'ada.lovelace@example.com' },
});
await send(single, 'track', {
  userId,
  event: 'add_to_cart',
  properties: { product_id: 'SM-1a2b3c4d', name: 'Galaxy Nova 12', price: 1299.99, quantity: 2 },
});
await send(single, 'page', {
  userId,
  name: 'Laptops',
  properties: { url: 'https://shop.example/category/laptops', path: '/category/laptops' },
});
await single.closeAndFlush({ timeout: 15000 });

// One batch: the calls wait in the SDK until closeAndFlush sends them together.
const batched = new Analytics({
  writeKey,
  host,
  flushAt: 100,
  flushInterval: 60000,
  maxRetries: 0,
  httpRequestTimeout: 10000,
});
batched.on('error', (e) => console.error('sdk error:', e.code, e.reason?.message ?? e.reason));
const pendingBatch = [];
for (let i = 0; i < 5; i += 1) {
  pendingBatch.push(
    send(batched, 'track', {
      anonymousId,
      event: 'product_view',
      properties: { product_id: `LA-0000000${i}`, position: i },
    }),
  );
}
await batched.closeAndFlush({ timeout: 15000 });
await Promise.all(pendingBatch);

for (const d of delivered) console.log(JSON.stringify(d));
const expected = 8;
if (failures !== 0 || delivered.length !== expected) {
  console.error(`delivered ${delivered.length} of ${expected}, ${failures} failed`);
  process.exit(1);
}
process.exit(0);
