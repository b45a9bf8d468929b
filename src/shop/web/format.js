// Money and the order arithmetic. The rules mirror the server's (include/gadgetgrove/shop/
// pricing.hpp), which sends its figures in the initial state, so the cart shows what the order
// will cost; tests/unit/shop/pricing_mirror_test.cpp holds this mirror to the server's rules.

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function money(amount) {
  return usd.format(amount);
}

export function moneyFromCents(cents) {
  return usd.format(cents / 100);
}

export function toCents(amount) {
  return Math.round(Number(amount) * 100);
}

/** lines: [{price, quantity}]; pricing: {free_shipping_from, shipping_fee, tax_basis_points}. */
export function orderTotals(lines, pricing) {
  const subtotal = lines.reduce((sum, l) => sum + toCents(l.price) * l.quantity, 0);
  const freeFrom = toCents(pricing.free_shipping_from);
  const shipping = subtotal === 0 || subtotal >= freeFrom ? 0 : toCents(pricing.shipping_fee);
  const tax = Math.floor((subtotal * pricing.tax_basis_points + 5000) / 10000);
  return { subtotal, shipping, tax, total: subtotal + shipping + tax };
}

const FEATURE_LABELS = {
  storage: 'Storage',
  screen: 'Display',
  camera: 'Camera',
  '5g': '5G',
  battery: 'Battery',
  processor: 'Processor',
  memory: 'Memory',
  touchscreen: 'Touchscreen',
  weight: 'Weight',
  stylus_support: 'Stylus support',
  cellular: 'Cellular',
  type: 'Fit',
  noise_cancelling: 'Noise cancelling',
  battery_hours: 'Battery life',
  driver: 'Driver',
  case_size: 'Case size',
  gps: 'GPS',
  lte: 'LTE',
  water_resistance: 'Water resistance',
  battery_days: 'Battery life',
};

export function featureLabel(key) {
  if (FEATURE_LABELS[key]) return FEATURE_LABELS[key];
  const words = String(key).replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function featureValue(key, value) {
  if (value === true) return 'Yes';
  if (value === false) return 'No';
  if (key === 'battery_hours') return `${value} hours`;
  if (key === 'battery_days') return `${value} days`;
  return String(value);
}

export function initials(name) {
  return String(name || '')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}

export function countdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}
