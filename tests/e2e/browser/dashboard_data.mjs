// Sends a known, seeded history of shop sessions to a running `gadgetgrove serve` through its
// public ingest API, so the dashboard has data to draw: sessions on each of the last --days
// days (client timestamps in the past, so they land on those days), with landing pages from
// UTM links, referrers and direct visits, category and product views, carts, purchases (the
// browser's purchase and the shop's order_completed with its items), checkout errors, bounces,
// returning users for the cohorts, and a few events of this minute for the live panel.
//
//   node dashboard_data.mjs --url http://127.0.0.1:8000 [--days 70] [--seed 7]
//
// Prints one JSON line: {"seed","events","sessions" (with client timestamps),"live_sessions"
// (of this minute),"first_day","last_day","products":[{"id","name","category"}],"top_product"}
// (the product with the most revenue). GG_TEST_SEED overrides --seed.

function parse_args(argv) {
  const args = {url: null, days: 70, seed: 7};
  for (let i = 0; i < argv.length; i += 2) {
    const key = {'--url': 'url', '--days': 'days', '--seed': 'seed'}[argv[i]];
    if (!key || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    args[key] = key === 'url' ? argv[i + 1] : Number(argv[i + 1]);
  }
  if (!args.url) throw new Error('missing --url');
  if (process.env.GG_TEST_SEED) args.seed = Number(process.env.GG_TEST_SEED);
  return args;
}

// mulberry32: small, seeded, the same sequence on every machine.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sources = [
  {url: '/?utm_source=newsletter&utm_medium=email', referrer: ''},
  {url: '/?utm_source=Google&utm_medium=cpc', referrer: 'https://www.google.com/'},
  {url: '/', referrer: 'https://www.bing.com/search?q=phones'},
  {url: '/', referrer: 'https://news.example.org/article'},
  {url: '/', referrer: ''},
  {url: '/', referrer: ''},
];

async function post(base, events) {
  for (let at = 0; at < events.length; at += 500) {
    const res = await fetch(`${base}/api/analytics/batch`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(events.slice(at, at + 500)),
    });
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  }
}

async function main() {
  const args = parse_args(process.argv.slice(2));
  const base = args.url.replace(/\/$/, '');
  const random = prng(args.seed);
  const pick = (list) => list[Math.floor(random() * list.length)];

  const catalog = await (await fetch(`${base}/api/products`)).json();
  // A dozen products across the categories, so the top 10 and the category filter both matter.
  const products = catalog.products.filter((_, i) => i % Math.max(1, Math.floor(
      catalog.products.length / 14)) === 0).slice(0, 14);
  if (products.length < 11) throw new Error(`the catalog has only ${products.length} products`);

  const events = [];
  const revenue = new Map();
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  let sessions = 0;
  const users = Array.from({length: 40}, (_, i) => `user-${args.seed}-${i}`);

  for (let d = args.days - 1; d >= 0; d--) {
    const day = new Date(today.getTime() - d * 86400e3);
    // Busier recent weeks, so the previous-period comparison has a direction.
    const count = 3 + Math.floor(random() * 4) + (d < 30 ? 3 : 0);
    for (let s = 0; s < count; s++) {
      sessions++;
      const sid = `dash-${args.seed}-${d}-${s}`;
      const user = random() < 0.6 ? pick(users) : undefined;
      let t = day.getTime() + (8 * 3600 + s * 1800 + Math.floor(random() * 600)) * 1000;
      // Today's sessions stay in the past, so none is "in the future" of the server's clock.
      if (d === 0) t = Math.min(t, Date.now() - (count - s + 5) * 60e3);
      const at = () => new Date((t += 20e3 + Math.floor(random() * 40e3))).toISOString();
      const src = pick(sources);
      const base_event = (e) => ({...e, sessionId: sid, ...(user ? {userId: user} : {})});
      const page = (path, url, referrer = '') => base_event({
        type: 'page_view', url: `http://shop.test${url}`, path, title: path, referrer,
        timestamp: at()});
      const custom = (event, properties) => base_event({type: 'custom_event', event, properties,
                                                        timestamp: at()});
      events.push(page(src.url.split('?')[0], src.url, src.referrer));
      const kind = random();
      if (kind < 0.15) continue;  // bounce: one page view
      const product = products[Math.floor(Math.pow(random(), 1.6) * products.length)];
      const cat_path = `/category/${product.category.toLowerCase()}`;
      events.push(page(cat_path, cat_path));
      events.push(custom('category_view', {category: product.category}));
      if (kind < 0.3) continue;  // browse only
      const product_path = `${cat_path}/product/${product.id}`;
      events.push(page(product_path, product_path));
      const facts = {product_id: product.id, name: product.name, brand: product.brand,
                     category: product.category, price: product.price};
      events.push(custom('product_view', facts));
      if (kind < 0.5) continue;  // browse only, with a product
      const quantity = 1 + Math.floor(random() * 2);
      events.push(custom('add_to_cart', {...facts, quantity}));
      events.push(page('/cart', '/cart'));
      if (kind < 0.68) continue;  // cart abandonment
      events.push(custom('begin_checkout', {value: product.price * quantity}));
      if (kind < 0.78) {
        events.push(custom('checkout_error', {error: 'card declined'}));
        continue;
      }
      const order = `${sid}-order`;
      const total = Math.round(product.price * quantity * 100) / 100;
      events.push(custom('purchase', {transaction_id: order, value: total}));
      events.push(custom('order_completed', {order_id: order, total, items: [
        {product_id: product.id, name: product.name, brand: product.brand,
         category: product.category, price: product.price, quantity}]}));
      events.push(page('/checkout/done', '/checkout/done'));
      revenue.set(product.id, (revenue.get(product.id) ?? 0) + total);
    }
  }
  // This minute's visitors, for the live panel (no client timestamp: the server's clock).
  const live_sessions = 4;
  for (let i = 0; i < live_sessions; i++) {
    events.push({type: 'page_view', url: 'http://shop.test/', path: '/', title: 'Home',
                 referrer: '', sessionId: `live-${args.seed}-${i}`});
  }
  await post(base, events);
  const top = [...revenue.entries()].sort((a, b) => b[1] - a[1])[0];
  const top_product = products.find((p) => p.id === top[0]);
  console.log(JSON.stringify({
    seed: args.seed, events: events.length, sessions, live_sessions,
    first_day: new Date(today.getTime() - (args.days - 1) * 86400e3).toISOString().slice(0, 10),
    last_day: today.toISOString().slice(0, 10),
    products: products.map((p) => ({id: p.id, name: p.name, category: p.category})),
    top_product: {id: top_product.id, name: top_product.name, category: top_product.category,
                  revenue: Math.round(top[1] * 100) / 100},
  }));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
