// The cart: product ids and quantities, kept in localStorage so it survives reloads and is
// shared between tabs. Products are looked up in the catalog on every read, so a stored line
// whose product no longer exists disappears.

const MAX_QUANTITY = 99;

export class Cart extends EventTarget {
  constructor(catalog, storageKey = 'gg_cart') {
    super();
    this.catalog = catalog;
    this.storageKey = storageKey;
    this.items = this.load();
    addEventListener('storage', (e) => {
      if (e.key !== this.storageKey) return;
      this.items = this.load();
      this.changed();
    });
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.storageKey) || '[]');
      if (!Array.isArray(stored)) return [];
      return stored
        .filter((l) => l && this.catalog.has(l.product_id))
        .map((l) => ({ product_id: l.product_id, quantity: clamp(l.quantity) }));
    } catch {
      return [];
    }
  }

  save() {
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(this.items));
    } catch {
      // Storage full or disabled: the cart lives for this page only.
    }
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }

  add(productId, quantity = 1) {
    const line = this.items.find((l) => l.product_id === productId);
    if (line) line.quantity = clamp(line.quantity + quantity);
    else this.items.push({ product_id: productId, quantity: clamp(quantity) });
    this.save();
  }

  setQuantity(productId, quantity) {
    const line = this.items.find((l) => l.product_id === productId);
    if (!line) return;
    if (quantity <= 0) {
      this.remove(productId);
      return;
    }
    line.quantity = clamp(quantity);
    this.save();
  }

  remove(productId) {
    this.items = this.items.filter((l) => l.product_id !== productId);
    this.save();
  }

  clear() {
    this.items = [];
    this.save();
  }

  /** [{product, quantity}] for display and totals. */
  lines() {
    return this.items
      .map((l) => ({ product: this.catalog.get(l.product_id), quantity: l.quantity }))
      .filter((l) => l.product);
  }

  count() {
    return this.items.reduce((n, l) => n + l.quantity, 0);
  }
}

function clamp(quantity) {
  const q = Math.floor(Number(quantity));
  if (!Number.isFinite(q) || q < 1) return 1;
  return Math.min(q, MAX_QUANTITY);
}
