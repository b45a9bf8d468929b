// Product pictures drawn as SVG: one illustration per category, tinted with the product's
// colour, on a category backdrop. No image files, no external requests.

import { s } from './dom.js';

const FINISHES = {
  'Midnight Black': '#1f2430',
  'Glacier White': '#e8ecf1',
  'Ocean Blue': '#2563eb',
  'Sunset Gold': '#d8a657',
  'Forest Green': '#2f6b4f',
  'Space Gray': '#5b6270',
  Silver: '#c9d1da',
  Graphite: '#3a3f47',
  'Arctic White': '#f3f5f8',
  'Midnight Blue': '#1e3a8a',
  'Sky Blue': '#5ab8e8',
  'Blush Pink': '#f2b5c8',
  Mint: '#8fdcc0',
  'Matte Black': '#1b1d22',
  'Pearl White': '#f4f1ec',
  Navy: '#233a66',
  Sand: '#d8c6a5',
  Crimson: '#b4253a',
  Black: '#1b1d22',
  'Rose Gold': '#e4ab98',
  Olive: '#5f6f3a',
};

const BACKDROPS = {
  smartphones: ['#e6fffa', '#b2f5ea'],
  laptops: ['#eef2ff', '#c7d2fe'],
  tablets: ['#fff7e6', '#fde7b0'],
  headphones: ['#fdf2f8', '#f9c9de'],
  smartwatches: ['#ecfdf3', '#b7ebcd'],
};

const SCREENS = {
  smartphones: ['#0f766e', '#5eead4'],
  laptops: ['#3730a3', '#a5b4fc'],
  tablets: ['#b45309', '#fcd34d'],
  headphones: ['#be185d', '#f9a8d4'],
  smartwatches: ['#15803d', '#86efac'],
};

let nextId = 0;

function shade(hex, amount) {
  const n = parseInt(hex.slice(1), 16);
  const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));
  const r = clamp(((n >> 16) & 255) + amount);
  const g = clamp(((n >> 8) & 255) + amount);
  const b = clamp((n & 255) + amount);
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}

function gradient(id, from, to, vertical = true) {
  return s(
    'linearGradient',
    vertical ? { id, x1: 0, y1: 0, x2: 0, y2: 1 } : { id, x1: 0, y1: 0, x2: 1, y2: 1 },
    s('stop', { offset: 0, 'stop-color': from }),
    s('stop', { offset: 1, 'stop-color': to }),
  );
}

function screenGlow(x, y, w, h, fill) {
  return [
    s('rect', { x, y, width: w, height: h, rx: 4, fill }),
    s('path', {
      d: `M${x} ${y + h * 0.62} Q${x + w * 0.45} ${y + h * 0.35} ${x + w} ${y + h * 0.5} L${x + w} ${y + h} L${x} ${y + h} Z`,
      fill: '#ffffff',
      opacity: 0.16,
    }),
    s('circle', { cx: x + w * 0.72, cy: y + h * 0.3, r: Math.min(w, h) * 0.14, fill: '#ffffff', opacity: 0.22 }),
  ];
}

function phone(body, screen) {
  return [
    s('rect', { x: 104, y: 28, width: 50, height: 100, rx: 10, fill: shade(body, -18), transform: 'rotate(12 129 78)' }),
    s('circle', { cx: 118, cy: 40, r: 5, fill: shade(body, -45), transform: 'rotate(12 129 78)' }),
    s('circle', { cx: 118, cy: 53, r: 5, fill: shade(body, -45), transform: 'rotate(12 129 78)' }),
    s('rect', { x: 64, y: 18, width: 56, height: 112, rx: 11, fill: body }),
    s('rect', { x: 64, y: 18, width: 56, height: 112, rx: 11, fill: 'none', stroke: shade(body, -40), 'stroke-width': 1.5 }),
    ...screenGlow(68, 23, 48, 102, screen),
    s('rect', { x: 84, y: 26, width: 16, height: 4, rx: 2, fill: '#0b0f14' }),
  ];
}

function laptop(body, screen) {
  return [
    s('rect', { x: 42, y: 22, width: 116, height: 78, rx: 6, fill: shade(body, -30) }),
    ...screenGlow(47, 27, 106, 68, screen),
    s('path', { d: 'M26 104 H174 L184 118 Q184 122 180 122 H20 Q16 122 16 118 Z', fill: body }),
    s('path', { d: 'M26 104 H174 L176 107 H24 Z', fill: shade(body, -35) }),
    s('rect', { x: 86, y: 109, width: 28, height: 4, rx: 2, fill: shade(body, -25) }),
  ];
}

function tablet(body, screen) {
  return [
    s('rect', { x: 52, y: 16, width: 96, height: 118, rx: 12, fill: body }),
    s('rect', { x: 52, y: 16, width: 96, height: 118, rx: 12, fill: 'none', stroke: shade(body, -40), 'stroke-width': 1.5 }),
    ...screenGlow(58, 22, 84, 106, screen),
    s('rect', { x: 158, y: 30, width: 7, height: 96, rx: 3.5, fill: shade(body, -20), transform: 'rotate(8 161 78)' }),
    s('path', { d: 'M158 126 L161.5 136 L165 126 Z', fill: '#334155', transform: 'rotate(8 161 78)' }),
  ];
}

function headphones(body) {
  const dark = shade(body, -45);
  return [
    s('path', { d: 'M52 92 C52 30 148 30 148 92', fill: 'none', stroke: body, 'stroke-width': 11, 'stroke-linecap': 'round' }),
    s('path', { d: 'M58 88 C60 40 140 40 142 88', fill: 'none', stroke: dark, 'stroke-width': 3, opacity: 0.45 }),
    s('rect', { x: 36, y: 78, width: 30, height: 48, rx: 14, fill: body }),
    s('rect', { x: 134, y: 78, width: 30, height: 48, rx: 14, fill: body }),
    s('rect', { x: 60, y: 84, width: 12, height: 36, rx: 6, fill: dark }),
    s('rect', { x: 128, y: 84, width: 12, height: 36, rx: 6, fill: dark }),
    s('rect', { x: 42, y: 86, width: 6, height: 20, rx: 3, fill: '#ffffff', opacity: 0.25 }),
    s('rect', { x: 140, y: 86, width: 6, height: 20, rx: 3, fill: '#ffffff', opacity: 0.25 }),
  ];
}

function watch(body, screen) {
  const band = shade(body, -25);
  return [
    s('rect', { x: 80, y: 6, width: 40, height: 40, rx: 8, fill: band }),
    s('rect', { x: 80, y: 104, width: 40, height: 40, rx: 8, fill: band }),
    s('rect', { x: 70, y: 38, width: 60, height: 72, rx: 16, fill: body }),
    s('rect', { x: 70, y: 38, width: 60, height: 72, rx: 16, fill: 'none', stroke: shade(body, -45), 'stroke-width': 1.5 }),
    s('rect', { x: 76, y: 44, width: 48, height: 60, rx: 11, fill: '#0b0f14' }),
    s('circle', { cx: 100, cy: 74, r: 20, fill: 'none', stroke: screen, 'stroke-width': 5, 'stroke-dasharray': '86 140', 'stroke-linecap': 'round', transform: 'rotate(-90 100 74)' }),
    s('circle', { cx: 100, cy: 74, r: 13, fill: 'none', stroke: shade(screen, 60), 'stroke-width': 4, 'stroke-dasharray': '50 100', 'stroke-linecap': 'round', transform: 'rotate(-90 100 74)' }),
    s('rect', { x: 130, y: 62, width: 6, height: 16, rx: 3, fill: shade(body, -30) }),
  ];
}

/** An <svg> picture of `product` ({category, color, name}); `slug` picks the illustration. */
export function productArt(product, slug, className = 'art') {
  const id = `art${nextId++}`;
  const [bgFrom, bgTo] = BACKDROPS[slug] || BACKDROPS.smartphones;
  const [scrFrom, scrTo] = SCREENS[slug] || SCREENS.smartphones;
  const body = FINISHES[product.color] || '#64748b';
  const screenFill = `url(#${id}s)`;
  const draw = {
    smartphones: () => phone(body, screenFill),
    laptops: () => laptop(body, screenFill),
    tablets: () => tablet(body, screenFill),
    headphones: () => headphones(body),
    smartwatches: () => watch(body, scrTo),
  }[slug] || (() => phone(body, screenFill));
  return s(
    'svg',
    { class: className, viewBox: '0 0 200 150', role: 'img', 'aria-label': `${product.name} in ${product.color}` },
    s('defs', null, gradient(`${id}b`, bgFrom, bgTo, false), gradient(`${id}s`, scrFrom, scrTo)),
    s('rect', { width: 200, height: 150, fill: `url(#${id}b)` }),
    s('circle', { cx: 168, cy: 22, r: 46, fill: '#ffffff', opacity: 0.35 }),
    s('ellipse', { cx: 100, cy: 138, rx: 62, ry: 6, fill: '#0f172a', opacity: 0.08 }),
    draw(),
  );
}
