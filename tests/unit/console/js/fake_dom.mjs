// A stand-in for the browser's document with only what the console's DOM code may use:
// createElement, createTextNode, appendChild, replaceChildren, setAttribute, className and
// textContent. innerHTML and friends throw, so code that reached for them fails the test.

class node {
  constructor(kind) {
    this.kind = kind;
    this.children = [];
  }
  appendChild(child) {
    if (!(child instanceof node)) throw new TypeError('appendChild of a non-node');
    this.children.push(child);
    return child;
  }
  replaceChildren(...nodes) {
    this.children = [];
    for (const n of nodes) this.appendChild(n);
  }
  get textContent() {
    return this.kind === 'text' ? this.text : this.children.map((c) => c.textContent).join('');
  }
}

export class text_node extends node {
  constructor(text) {
    super('text');
    this.text = String(text);
  }
}

export class element extends node {
  constructor(tag) {
    super('element');
    this.tag = tag;
    this.attributes = new Map();
  }
  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }
  getAttribute(name) {
    return this.attributes.get(name) ?? null;
  }
  set className(v) {
    this.attributes.set('class', String(v));
  }
  get className() {
    return this.attributes.get('class') ?? '';
  }
  set textContent(v) {
    this.children = [new text_node(v)];
  }
  get textContent() {
    return super.textContent;
  }
  /** Every element below (and including) this one. */
  *walk() {
    yield this;
    for (const c of this.children) {
      if (c instanceof element) yield* c.walk();
    }
  }
  find_all(tag) {
    return [...this.walk()].filter((e) => e.tag === tag);
  }
}

for (const banned of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'style', 'onclick']) {
  Object.defineProperty(element.prototype, banned, {
    get() { throw new Error(`the renderer used ${banned}`); },
    set() { throw new Error(`the renderer used ${banned}`); },
  });
}

export const fake_document = {
  createElement: (tag) => new element(String(tag).toLowerCase()),
  createTextNode: (text) => new text_node(text),
};
