// The GadgetGrove storefront: a single-page app with history routing over the catalog the
// server embeds in the page. Views are built with DOM calls only (see dom.js).

import { h, mount, $ } from './dom.js';
import { productArt } from './art.js';
import { Cart } from './cart.js';
import { Tracker } from './tracker.js';
import {
  money,
  moneyFromCents,
  orderTotals,
  featureLabel,
  featureValue,
  initials,
  countdown,
} from './format.js';

const state = JSON.parse($('#initial-state').textContent);
const categories = state.categories;
const categoryBySlug = new Map(categories.map((c) => [c.slug, c]));
const categoryByName = new Map(categories.map((c) => [c.name, c]));
const products = new Map(state.products.map((p) => [p.id, p]));
const slugOf = (product) => categoryByName.get(product.category)?.slug || 'smartphones';
const productPath = (p) =>
  `/category/${encodeURIComponent(slugOf(p))}/product/${encodeURIComponent(p.id)}`;
const categoryPath = (c) => `/category/${encodeURIComponent(c.slug)}`;

const HOME_TITLE = 'GadgetGrove \u00b7 Gadgets worth keeping';
const tracker = new Tracker();
const cart = new Cart(products);
const main = $('#main');

let session = null;
let sessionLoadedAt = 0;
let lastRefresh = 0;
const REFRESH_EVERY_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Small pieces

function productEventProps(p) {
  return { product_id: p.id, name: p.name, brand: p.brand, category: p.category, price: p.price };
}

function rating(value) {
  const meter = h('span', { class: 'stars-fill' }, '★★★★★');
  meter.style.width = `${(value / 5) * 100}%`;
  return h(
    'span',
    { class: 'rating', title: `Rated ${value} out of 5` },
    h('span', { class: 'stars', 'aria-hidden': 'true' }, h('span', { class: 'stars-base' }, '★★★★★'), meter),
    h('span', { class: 'rating-value' }, value.toFixed(1)),
  );
}

function stockBadge(p) {
  return p.in_stock
    ? h('span', { class: 'badge in' }, 'In stock')
    : h('span', { class: 'badge out' }, 'Out of stock');
}

function link(href, attrs, ...children) {
  return h('a', { href, 'data-link': true, ...attrs }, ...children);
}

let toastTimer = null;
function toast(message) {
  let el = $('#toast');
  if (!el) {
    el = h('div', { id: 'toast', class: 'toast', role: 'status' });
    document.body.append(el);
  }
  mount(el, h('span', { class: 'toast-dot', 'aria-hidden': 'true' }), message);
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 2200);
}

function addToCart(p, quantity) {
  if (!p.in_stock) return;
  cart.add(p.id, quantity);
  tracker.track('add_to_cart', { ...productEventProps(p), quantity });
  toast(`${p.name} added to your cart`);
  bump($('#cart-count'));
}

function bump(el) {
  el.classList.remove('bump');
  void el.offsetWidth;
  el.classList.add('bump');
}

function productCard(p) {
  const slug = slugOf(p);
  return h(
    'article',
    { class: 'card', dataset: { productId: p.id } },
    link(productPath(p), { class: 'card-media', tabindex: '-1', 'aria-hidden': 'true' }, productArt(p, slug)),
    h(
      'div',
      { class: 'card-body' },
      h('p', { class: 'card-brand' }, p.brand),
      h('h3', { class: 'card-title' }, link(productPath(p), { class: 'card-link' }, p.name)),
      h('div', { class: 'card-meta' }, rating(p.rating), h('span', { class: 'card-color' }, p.color)),
      h(
        'div',
        { class: 'card-foot' },
        h('span', { class: 'price' }, money(p.price)),
        p.in_stock
          ? h(
              'button',
              {
                class: 'button small primary add',
                type: 'button',
                'aria-label': `Add ${p.name} to cart`,
                onclick: () => addToCart(p, 1),
              },
              'Add to cart',
            )
          : stockBadge(p),
      ),
    ),
  );
}

function grid(items) {
  return h('div', { class: 'grid' }, items.map(productCard));
}

function breadcrumbs(...items) {
  return h(
    'nav',
    { class: 'crumbs', 'aria-label': 'Breadcrumb' },
    h(
      'ol',
      null,
      items.map(([label, href], i) =>
        h('li', null, href && i < items.length - 1 ? link(href, null, label) : h('span', { 'aria-current': 'page' }, label)),
      ),
    ),
  );
}

function productsIn(slug) {
  const c = categoryBySlug.get(slug);
  return c ? state.products.filter((p) => p.category === c.name) : [];
}

// ---------------------------------------------------------------------------------------------
// Views

function homeView() {
  const heroPicks = categories
    .map((c) => productsIn(c.slug).find((p) => p.in_stock) || productsIn(c.slug)[0])
    .filter(Boolean)
    .slice(0, 3);
  return {
    title: HOME_TITLE,
    node: h(
      'div',
      { class: 'view home' },
      h(
        'section',
        { class: 'hero' },
        h(
          'div',
          { class: 'hero-copy' },
          h('p', { class: 'eyebrow' }, 'New season · Free shipping over $99'),
          h('h1', null, 'Gadgets worth keeping.'),
          h('p', { class: 'lead' }, 'Phones, laptops, tablets, audio and wearables, picked for how well they work and how long they last.'),
          h(
            'div',
            { class: 'hero-actions' },
            link(categoryPath(categories[0]), { class: 'button primary large' }, `Shop ${categories[0].name.toLowerCase()}`),
            link('#categories', { class: 'button ghost large', 'data-link': false }, 'Browse categories'),
          ),
        ),
        h(
          'div',
          { class: 'hero-art', 'aria-hidden': 'true' },
          heroPicks.map((p, i) => h('div', { class: `hero-tile t${i}` }, productArt(p, slugOf(p)))),
        ),
      ),
      h(
        'section',
        { class: 'tiles', id: 'categories', 'aria-label': 'Categories' },
        categories.map((c) => {
          const sample = productsIn(c.slug)[0];
          return link(
            categoryPath(c),
            { class: 'tile' },
            sample ? productArt(sample, c.slug, 'tile-art') : null,
            h('span', { class: 'tile-name' }, c.name),
            h('span', { class: 'tile-count' }, `${c.count} products`),
          );
        }),
      ),
      categories.map((c) =>
        h(
          'section',
          { class: 'shelf', 'aria-labelledby': `shelf-${c.slug}` },
          h(
            'div',
            { class: 'shelf-head' },
            h('h2', { id: `shelf-${c.slug}` }, c.name),
            link(categoryPath(c), { class: 'see-all' }, `See all ${c.count}`),
          ),
          grid(productsIn(c.slug).slice(0, 4)),
        ),
      ),
    ),
  };
}

const SORTS = {
  featured: { label: 'Featured', fn: () => 0 },
  'price-asc': { label: 'Price: low to high', fn: (a, b) => a.price - b.price },
  'price-desc': { label: 'Price: high to low', fn: (a, b) => b.price - a.price },
  rating: { label: 'Top rated', fn: (a, b) => b.rating - a.rating },
};

function categoryView(slug) {
  const c = categoryBySlug.get(slug);
  if (!c) return notFoundView();
  const items = productsIn(slug);
  const holder = h('div', { class: 'grid-holder' }, grid(items));
  const select = h(
    'select',
    {
      id: 'sort',
      onchange: (e) => {
        const sorted = [...items].sort(SORTS[e.target.value].fn);
        mount(holder, grid(sorted));
      },
    },
    Object.entries(SORTS).map(([key, v]) => h('option', { value: key }, v.label)),
  );
  const prices = items.map((p) => p.price);
  return {
    title: `${c.name} · GadgetGrove`,
    track: () => tracker.track('category_view', { category: c.name }),
    node: h(
      'div',
      { class: `view category cat-${c.slug}` },
      breadcrumbs(['Home', '/'], [c.name]),
      h(
        'header',
        { class: 'category-head' },
        h(
          'div',
          null,
          h('h1', null, c.name),
          h(
            'p',
            { class: 'muted' },
            items.length ? `${items.length} products · ${money(Math.min(...prices))} – ${money(Math.max(...prices))}` : 'No products yet',
          ),
        ),
        h('label', { class: 'sort' }, h('span', null, 'Sort by'), select),
      ),
      holder,
    ),
  };
}

function productView(slug, id) {
  const p = products.get(id);
  if (!p || slugOf(p) !== slug) return notFoundView();
  const c = categoryBySlug.get(slug);
  const qty = h('input', {
    id: 'quantity',
    class: 'qty-input',
    type: 'number',
    min: 1,
    max: 99,
    value: 1,
    inputmode: 'numeric',
    'aria-label': 'Quantity',
  });
  const step = (d) => () => {
    qty.value = String(Math.min(99, Math.max(1, (parseInt(qty.value, 10) || 1) + d)));
  };
  const features = Object.entries(p.features || {});
  const related = productsIn(slug).filter((o) => o.id !== p.id);
  return {
    title: `${p.name} · GadgetGrove`,
    track: () => tracker.track('product_view', productEventProps(p)),
    node: h(
      'div',
      { class: 'view product' },
      breadcrumbs(['Home', '/'], [c.name, categoryPath(c)], [p.name]),
      h(
        'div',
        { class: 'product-layout' },
        h('div', { class: 'product-media' }, productArt(p, slug, 'art large')),
        h(
          'div',
          { class: 'product-info' },
          h('p', { class: 'product-brand' }, p.brand),
          h('h1', { class: 'product-name' }, p.name),
          h('div', { class: 'product-meta' }, rating(p.rating), stockBadge(p)),
          h('p', { class: 'product-price' }, money(p.price)),
          h(
            'p',
            { class: 'product-color' },
            h('span', { class: `swatch`, dataset: { color: p.color } }),
            h('span', null, 'Colour: '),
            h('strong', null, p.color),
          ),
          h(
            'div',
            { class: 'buy-row' },
            h(
              'div',
              { class: 'stepper' },
              h('button', { type: 'button', class: 'step', 'aria-label': 'One less', onclick: step(-1), disabled: !p.in_stock }, '−'),
              qty,
              h('button', { type: 'button', class: 'step', 'aria-label': 'One more', onclick: step(1), disabled: !p.in_stock }, '+'),
            ),
            h(
              'button',
              {
                id: 'add-to-cart',
                type: 'button',
                class: 'button primary large',
                disabled: !p.in_stock,
                onclick: () => addToCart(p, Math.min(99, Math.max(1, parseInt(qty.value, 10) || 1))),
              },
              p.in_stock ? 'Add to cart' : 'Out of stock',
            ),
          ),
          h(
            'ul',
            { class: 'perks' },
            h('li', null, p.price >= state.pricing.free_shipping_from ? 'Free shipping' : `Free shipping over ${money(state.pricing.free_shipping_from)}`),
            h('li', null, '30-day returns'),
            h('li', null, '2-year warranty'),
          ),
          features.length
            ? h(
                'section',
                { class: 'specs', 'aria-label': 'Specifications' },
                h('h2', null, 'Specifications'),
                h(
                  'dl',
                  null,
                  features.map(([k, v]) => h('div', null, h('dt', null, featureLabel(k)), h('dd', null, featureValue(k, v)))),
                ),
              )
            : null,
        ),
      ),
      related.length
        ? h(
            'section',
            { class: 'shelf' },
            h('div', { class: 'shelf-head' }, h('h2', null, `More ${c.name.toLowerCase()}`), link(categoryPath(c), { class: 'see-all' }, 'See all')),
            grid(related.slice(0, 4)),
          )
        : null,
    ),
  };
}

function notFoundView() {
  return {
    title: 'Not found · GadgetGrove',
    node: h(
      'div',
      { class: 'view not-found' },
      h('h1', null, 'We could not find that page'),
      h('p', { class: 'muted' }, 'The product may have sold out for good, or the link is mistyped.'),
      link('/', { class: 'button primary' }, 'Back to the shop'),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Routing

function route(pathname) {
  let parts;
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return notFoundView();
  }
  if (parts.length === 0) return homeView();
  if (parts[0] === 'category' && parts.length === 2) return categoryView(parts[1]);
  if (parts[0] === 'category' && parts.length === 4 && parts[2] === 'product') {
    return productView(parts[1], parts[3]);
  }
  return notFoundView();
}

function render({ focus } = {}) {
  const view = route(location.pathname);
  document.title = view.title;
  mount(main, view.node);
  for (const a of document.querySelectorAll('#category-nav a')) {
    const active = location.pathname.startsWith(a.getAttribute('href'));
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  tracker.page();
  if (view.track) view.track();
  if (focus) main.focus({ preventScroll: true });
}

function navigate(href) {
  const url = new URL(href, location.href);
  if (url.pathname === location.pathname && url.search === location.search) {
    if (url.hash) $(url.hash)?.scrollIntoView({ behavior: 'smooth' });
    return;
  }
  history.pushState(null, '', url.pathname + url.search + url.hash);
  closeCart();
  render({ focus: true });
  scrollTo({ top: 0 });
  maybeRefreshSession();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href');
  if (href.startsWith('#')) return;
  const url = new URL(href, location.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  navigate(url.href);
});

addEventListener('popstate', () => render());

// ---------------------------------------------------------------------------------------------
// Cart drawer

const drawer = $('#cart-drawer');
const scrim = $('#scrim');
const cartButton = $('#cart-button');

function openCart() {
  drawer.classList.add('open');
  drawer.setAttribute('aria-hidden', 'false');
  scrim.hidden = false;
  cartButton.setAttribute('aria-expanded', 'true');
  $('#cart-close').focus();
}

function closeCart() {
  if (!drawer.classList.contains('open')) return;
  drawer.classList.remove('open');
  drawer.setAttribute('aria-hidden', 'true');
  scrim.hidden = true;
  cartButton.setAttribute('aria-expanded', 'false');
}

function cartTotals() {
  return orderTotals(
    cart.lines().map((l) => ({ price: l.product.price, quantity: l.quantity })),
    state.pricing,
  );
}

function renderCart() {
  const lines = cart.lines();
  const count = cart.count();
  $('#cart-count').textContent = String(count);
  $('#cart-count').classList.toggle('empty', count === 0);
  mount(
    $('#cart-lines'),
    lines.map(({ product: p, quantity }) =>
      h(
        'li',
        { class: 'cart-line', dataset: { productId: p.id } },
        link(productPath(p), { class: 'line-art', tabindex: '-1', 'aria-hidden': 'true' }, productArt(p, slugOf(p), 'thumb')),
        h(
          'div',
          { class: 'line-info' },
          link(productPath(p), { class: 'line-name' }, p.name),
          h('span', { class: 'line-sub' }, `${p.color} · ${money(p.price)}`),
          h(
            'div',
            { class: 'line-controls' },
            h(
              'div',
              { class: 'stepper small' },
              h('button', { type: 'button', class: 'step', 'aria-label': `One less ${p.name}`, onclick: () => cart.setQuantity(p.id, quantity - 1) }, '−'),
              h('span', { class: 'qty', 'aria-label': 'Quantity' }, String(quantity)),
              h('button', { type: 'button', class: 'step', 'aria-label': `One more ${p.name}`, disabled: quantity >= 99, onclick: () => cart.setQuantity(p.id, quantity + 1) }, '+'),
            ),
            h('button', { type: 'button', class: 'link-button remove', onclick: () => cart.remove(p.id) }, 'Remove'),
          ),
        ),
        h('span', { class: 'line-total' }, money(p.price * quantity)),
      ),
    ),
  );
  const t = cartTotals();
  $('#sum-subtotal').textContent = moneyFromCents(t.subtotal);
  $('#sum-shipping').textContent = t.shipping === 0 ? (t.subtotal === 0 ? moneyFromCents(0) : 'Free') : moneyFromCents(t.shipping);
  $('#sum-tax').textContent = moneyFromCents(t.tax);
  $('#sum-total').textContent = moneyFromCents(t.total);
  const freeFrom = Math.round(state.pricing.free_shipping_from * 100);
  $('#shipping-hint').textContent =
    t.subtotal > 0 && t.subtotal < freeFrom ? `Add ${moneyFromCents(freeFrom - t.subtotal)} more for free shipping.` : '';
  $('#cart-empty').hidden = lines.length > 0;
  $('#cart-foot').hidden = lines.length === 0;
  $('#checkout-open').disabled = lines.length === 0;
}

cart.addEventListener('change', renderCart);
cartButton.addEventListener('click', () => (drawer.classList.contains('open') ? closeCart() : openCart()));
$('#cart-close').addEventListener('click', closeCart);
scrim.addEventListener('click', closeCart);
$('#cart-browse').addEventListener('click', closeCart);

// ---------------------------------------------------------------------------------------------
// Checkout

const checkoutDialog = $('#checkout-dialog');
const resultDialog = $('#result-dialog');
const form = $('#checkout-form');
const nameInput = $('#checkout-name');
const emailInput = $('#checkout-email');
const endSessionInput = $('#checkout-end-session');

$('#checkout-open').addEventListener('click', () => {
  const lines = cart.lines();
  if (lines.length === 0) return;
  const t = cartTotals();
  tracker.track('begin_checkout', {
    value: t.total / 100,
    currency: 'USD',
    item_count: cart.count(),
    product_ids: lines.map((l) => l.product.id),
  });
  if (session) {
    if (!nameInput.value) nameInput.value = session.user.name;
    if (!emailInput.value) emailInput.value = session.user.email;
  }
  $('#checkout-items').textContent = String(cart.count());
  $('#checkout-total').textContent = moneyFromCents(t.total);
  $('#checkout-error').hidden = true;
  closeCart();
  checkoutDialog.showModal();
  nameInput.focus();
});

$('#checkout-cancel').addEventListener('click', () => checkoutDialog.close());

function showResult({ ok, title, message, detail }) {
  resultDialog.classList.toggle('ok', ok);
  resultDialog.classList.toggle('fail', !ok);
  mount($('#result-icon'), ok ? '✓' : '!');
  $('#result-title').textContent = title;
  $('#result-message').textContent = message;
  $('#result-detail').textContent = detail || '';
  resultDialog.showModal();
  $('#result-ok').focus();
}

$('#result-ok').addEventListener('click', () => resultDialog.close());

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = nameInput.value.trim();
  const email = emailInput.value.trim();
  const error = $('#checkout-error');
  if (!name || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    error.textContent = !name ? 'Please enter your name.' : 'Please enter a valid email address.';
    error.hidden = false;
    return;
  }
  const lines = cart.lines();
  const t = cartTotals();
  const submit = $('#checkout-submit');
  submit.disabled = true;
  submit.textContent = 'Placing order…';
  let result;
  try {
    const response = await fetch('/checkout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({
        name,
        email,
        items: lines.map((l) => ({ product_id: l.product.id, quantity: l.quantity })),
        total: t.total / 100,
        end_session: endSessionInput.checked,
      }),
    });
    const body = await response.json().catch(() => ({}));
    result = { status: response.status, body };
  } catch {
    result = { status: 0, body: {} };
  } finally {
    submit.disabled = false;
    submit.textContent = 'Place order';
  }
  checkoutDialog.close();
  if (result.status === 200 && result.body.status === 'success') {
    const value = typeof result.body.total === 'number' ? result.body.total : t.total / 100;
    tracker.track('purchase', {
      transaction_id: result.body.order_id,
      value,
      currency: 'USD',
      item_count: cart.count(),
    });
    cart.clear();
    showResult({
      ok: true,
      title: 'Thank you for your order!',
      message: `We have received your order of ${moneyFromCents(Math.round(value * 100))}.`,
      detail: `Order ${result.body.order_id}${result.body.session_ended ? ' · Your session has ended; a new one has started.' : ''}`,
    });
    if (result.body.session_ended) await loadSession();
    else maybeRefreshSession(true);
    return;
  }
  const reason =
    result.body.reason || (result.status === 0 ? 'Network Error' : `Unexpected answer (${result.status})`);
  tracker.track('checkout_error', { error: reason, reason, value: t.total / 100 });
  showResult({
    ok: false,
    title: result.status === 400 && result.body.error === 'payment failed' ? 'Payment failed' : 'Order not placed',
    message: reason,
    detail: 'Your cart is unchanged. You can try again.',
  });
});

// ---------------------------------------------------------------------------------------------
// Session badge

const sessionMenu = $('#session-menu');
const sessionBadge = $('#session-badge');

function setSession(data) {
  session = data;
  sessionLoadedAt = Date.now();
  lastRefresh = Date.now();
  tracker.setSession(data.session_id, data.user.id);
  let identified = null;
  try {
    identified = localStorage.getItem('gg_identified');
  } catch {}
  if (identified !== data.session_id) {
    tracker.identify(data.user.id, { name: data.user.name, email: data.user.email });
    try {
      localStorage.setItem('gg_identified', data.session_id);
    } catch {}
  }
  $('#session-avatar').textContent = initials(data.user.name);
  $('#session-name').textContent = data.user.first_name;
  $('#session-menu-name').textContent = data.user.name;
  $('#session-menu-email').textContent = data.user.email;
  $('#session-menu-id').textContent = data.session_id.slice(0, 8);
  tick();
}

function expiresInMs() {
  if (!session) return 0;
  return session.expires_in * 1000 - (Date.now() - sessionLoadedAt);
}

function tick() {
  if (!session) return;
  const left = expiresInMs();
  $('#session-expiry').textContent = `${countdown(left)} left`;
  sessionBadge.classList.toggle('expiring', left < 5 * 60_000);
  if (left <= 0) loadSession();
}

async function loadSession() {
  try {
    const response = await fetch('/api/session', { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`session: ${response.status}`);
    setSession(await response.json());
  } catch {
    $('#session-name').textContent = 'Offline';
    $('#session-expiry').textContent = '';
    session = null;
  }
}

async function refreshSession() {
  const response = await fetch('/api/session/refresh', { method: 'POST', credentials: 'same-origin' }).catch(() => null);
  if (response && response.ok) setSession(await response.json());
  else await loadSession();
}

function maybeRefreshSession(force = false) {
  if (!session || (!force && Date.now() - lastRefresh < REFRESH_EVERY_MS)) return;
  lastRefresh = Date.now();
  refreshSession();
}

async function endSession() {
  await fetch('/api/session/end', { method: 'POST', credentials: 'same-origin' }).catch(() => null);
  try {
    localStorage.removeItem('gg_identified');
  } catch {}
  await loadSession();
}

function toggleMenu(open) {
  sessionMenu.hidden = !open;
  sessionBadge.setAttribute('aria-expanded', String(open));
}

sessionBadge.addEventListener('click', (e) => {
  e.stopPropagation();
  toggleMenu(sessionMenu.hidden);
});
document.addEventListener('click', (e) => {
  if (!sessionMenu.hidden && !sessionMenu.contains(e.target)) toggleMenu(false);
});
$('#session-refresh').addEventListener('click', async () => {
  await refreshSession();
  toast('Session extended');
  toggleMenu(false);
});
$('#session-end').addEventListener('click', async () => {
  toggleMenu(false);
  await endSession();
  toast('Session ended, a new one has started');
});
$('#session-logout').addEventListener('click', async () => {
  toggleMenu(false);
  tracker.track('logout');
  await tracker.flush();
  cart.clear();
  await endSession();
  toast('You have been logged out');
});

addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  closeCart();
  toggleMenu(false);
});

// ---------------------------------------------------------------------------------------------
// Start

mount(
  $('#category-nav'),
  categories.map((c) => link(categoryPath(c), null, c.name)),
);
renderCart();
render();
loadSession();
setInterval(tick, 1000);

// Exposed for tests and the browser console.
window.gadgetgrove = { tracker, cart, session: () => session };
