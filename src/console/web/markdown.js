// A small Markdown renderer for run artifacts: headings, paragraphs (with hard line breaks),
// bullet and numbered lists, fenced code, pipe tables, and inline bold, italic, code and
// http(s) links. It parses into a tree of plain objects, then builds DOM nodes from the tree
// with createElement/createTextNode only: text from an artifact is never parsed as HTML, so
// markup in it (a <script>, an <img onerror>) stays visible text. Anything else Markdown has
// (raw HTML, images, block quotes, nested lists) is shown as the text it is.

const max_inline_depth = 8;

function is_blank(line) {
  return /^\s*$/.test(line);
}

const heading_re = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const bullet_re = /^ {0,3}([-*+])[ \t]+(.*)$/;
const ordered_re = /^ {0,3}(\d{1,9})[.)][ \t]+(.*)$/;
const fence_re = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const delimiter_cell_re = /^\s*:?-+:?\s*$/;

/** The cells of a pipe-table row; `\|` is a literal bar inside a cell. */
function split_row(line) {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (s[i] === '|') {
      cells.push(cur.trim());
      cur = '';
    } else {
      cur += s[i];
    }
  }
  cells.push(cur.trim());
  return cells;
}

function is_table_start(lines, i) {
  if (i + 1 >= lines.length || !lines[i].includes('|')) return false;
  const delim = lines[i + 1];
  if (!delim.includes('-') || !/^[\s|:-]+$/.test(delim)) return false;
  const cells = split_row(delim);
  return cells.length > 0 && cells.every((c) => delimiter_cell_re.test(c)) &&
      split_row(lines[i]).length === cells.length;
}

function starts_block(lines, i) {
  const line = lines[i];
  return heading_re.test(line) || bullet_re.test(line) || ordered_re.test(line) ||
      fence_re.test(line) || is_table_start(lines, i);
}

/**
 * Parses `text` into blocks: {type: 'heading', level, children}, {type: 'paragraph', children},
 * {type: 'list', ordered, start, items: [children]}, {type: 'code', text},
 * {type: 'table', align: ['left'|'center'|'right'|''], header: [children], rows: [[children]]}.
 * Inline children: {type: 'text', text}, {type: 'strong'|'em', children}, {type: 'code', text},
 * {type: 'link', href, children}, {type: 'break'}.
 */
export function parse_markdown(text) {
  const lines = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (is_blank(line)) {
      i++;
      continue;
    }
    let m;
    if ((m = fence_re.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trimStart().startsWith(fence)) body.push(lines[i++]);
      i++;  // the closing fence, or past the end
      blocks.push({type: 'code', text: body.join('\n')});
      continue;
    }
    if ((m = heading_re.exec(line))) {
      blocks.push({type: 'heading', level: m[1].length, children: parse_inline(m[2] ?? '')});
      i++;
      continue;
    }
    if (is_table_start(lines, i)) {
      const header = split_row(lines[i]);
      const align = split_row(lines[i + 1]).map((c) => {
        const t = c.trim();
        if (t.startsWith(':') && t.endsWith(':')) return 'center';
        if (t.endsWith(':')) return 'right';
        if (t.startsWith(':')) return 'left';
        return '';
      });
      i += 2;
      const rows = [];
      while (i < lines.length && !is_blank(lines[i]) && lines[i].includes('|')) {
        const cells = split_row(lines[i++]);
        rows.push(header.map((_, c) => parse_inline(cells[c] ?? '')));
      }
      blocks.push({type: 'table', align, header: header.map((h) => parse_inline(h)), rows});
      continue;
    }
    const bullet = bullet_re.exec(line);
    const ordered = bullet ? null : ordered_re.exec(line);
    if (bullet || ordered) {
      const list = {type: 'list', ordered: !!ordered, start: ordered ? Number(ordered[1]) : 1,
                    items: []};
      const item_re = ordered ? ordered_re : bullet_re;
      let item = null;
      while (i < lines.length && !is_blank(lines[i])) {
        const im = item_re.exec(lines[i]);
        if (im) {
          item = [im[2]];
          list.items.push(item);
        } else if (starts_block(lines, i)) {
          break;
        } else {
          item.push(lines[i].trim());  // a continuation line of the item
        }
        i++;
      }
      list.items = list.items.map((parts) => parse_inline(parts.join('\n')));
      blocks.push(list);
      continue;
    }
    const para = [];
    while (i < lines.length && !is_blank(lines[i]) &&
           (para.length === 0 || !starts_block(lines, i))) {
      para.push(lines[i++]);
    }
    blocks.push({type: 'paragraph', children: parse_inline(para.join('\n'))});
  }
  return blocks;
}

const escapable = new Set('\\`*_{}[]()#+-.!|<>~"\''.split(''));

function is_word(ch) {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** True for an absolute http(s) URL: the only links the renderer makes. */
export function safe_href(href) {
  const s = String(href ?? '').trim();
  if (!/^https?:\/\//i.test(s)) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * The index of the ')' closing a link destination that starts at `from`: parentheses inside
 * it must balance (as in `javascript:alert(1)`); -1 when there is none on the line.
 */
function destination_end(text, from) {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++;
    } else if (ch === '\n') {
      return -1;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Inline Markdown of `text` as a list of inline nodes (see parse_markdown). */
export function parse_inline(text, depth = 0) {
  const out = [];
  let buf = '';
  const flush = () => {
    if (buf !== '') out.push({type: 'text', text: buf});
    buf = '';
  };
  if (depth >= max_inline_depth) return [{type: 'text', text}];
  // Positions from which a closing delimiter is known to be absent: an opener without a
  // closer is searched for once, so hostile input stays linear per delimiter.
  const no_closer_from = new Map();
  const find_closer = (delim, from, check) => {
    const known = no_closer_from.get(delim);
    if (known !== undefined && from >= known) return -1;
    let at = from;
    while ((at = text.indexOf(delim, at)) !== -1) {
      if (text[at - 1] !== '\\' && check(at)) return at;
      at += 1;
    }
    no_closer_from.set(delim, Math.min(from, known ?? from));
    return -1;
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length && escapable.has(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '\\' && text[i + 1] === '\n') {
      flush();
      out.push({type: 'break'});
      i += 2;
      continue;
    }
    if (ch === '\n') {
      // Two trailing spaces make a hard break; otherwise a line break is a space.
      if (buf.endsWith('  ')) {
        buf = buf.replace(/ +$/, '');
        flush();
        out.push({type: 'break'});
      } else {
        buf = buf.replace(/ +$/, '') + ' ';
      }
      i++;
      continue;
    }
    if (ch === '`') {
      let n = 1;
      while (text[i + n] === '`') n++;
      const ticks = '`'.repeat(n);
      const close = find_closer(ticks, i + n, (at) => text[at + n] !== '`' && text[at - 1] !== '`');
      if (close !== -1) {
        flush();
        let code = text.slice(i + n, close).replace(/\n/g, ' ');
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ')) code = code.slice(1, -1);
        out.push({type: 'code', text: code});
        i = close + n;
        continue;
      }
      buf += ticks;
      i += n;
      continue;
    }
    if ((ch === '*' || ch === '_') && text[i + 1] === ch) {
      const delim = ch + ch;
      const opens = !/\s/.test(text[i + 2] ?? ' ') && (ch === '*' || !is_word(text[i - 1]));
      const close = opens ? find_closer(delim, i + 2, (at) => at > i + 2 &&
                                        !/\s/.test(text[at - 1]) &&
                                        (ch === '*' || !is_word(text[at + 2]))) : -1;
      if (close !== -1) {
        flush();
        out.push({type: 'strong', children: parse_inline(text.slice(i + 2, close), depth + 1)});
        i = close + 2;
        continue;
      }
      buf += delim;
      i += 2;
      continue;
    }
    if (ch === '*' || ch === '_') {
      const opens = !/\s/.test(text[i + 1] ?? ' ') && (ch === '*' || !is_word(text[i - 1]));
      const close = opens ? find_closer(ch, i + 1, (at) => at > i + 1 && text[at + 1] !== ch &&
                                        text[at - 1] !== ch && !/\s/.test(text[at - 1]) &&
                                        (ch === '*' || !is_word(text[at + 1]))) : -1;
      if (close !== -1) {
        flush();
        out.push({type: 'em', children: parse_inline(text.slice(i + 1, close), depth + 1)});
        i = close + 1;
        continue;
      }
      buf += ch;
      i++;
      continue;
    }
    if (ch === '[') {
      const close = find_closer('](', i + 1, () => true);
      const end = close === -1 ? -1 : destination_end(text, close + 2);
      if (close !== -1 && end !== -1 && !text.slice(i + 1, close).includes('[')) {
        const label = parse_inline(text.slice(i + 1, close), depth + 1);
        const href = safe_href(text.slice(close + 2, end));
        flush();
        if (href) {
          out.push({type: 'link', href, children: label});
        } else {
          // Not an http(s) link (javascript:, data:, relative): its text only.
          out.push(...label);
        }
        i = end + 1;
        continue;
      }
    }
    buf += ch;
    i++;
  }
  flush();
  return out;
}

function append_inline(doc, parent, nodes) {
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
        parent.appendChild(doc.createTextNode(n.text));
        break;
      case 'break':
        parent.appendChild(doc.createElement('br'));
        break;
      case 'code': {
        const c = doc.createElement('code');
        c.textContent = n.text;
        parent.appendChild(c);
        break;
      }
      case 'strong':
      case 'em': {
        const e = doc.createElement(n.type);
        append_inline(doc, e, n.children);
        parent.appendChild(e);
        break;
      }
      case 'link': {
        const a = doc.createElement('a');
        a.setAttribute('href', n.href);
        a.setAttribute('rel', 'noopener noreferrer');
        append_inline(doc, a, n.children);
        parent.appendChild(a);
        break;
      }
      default:
        break;
    }
  }
}

const align_class = {left: 'align-left', center: 'align-center', right: 'num'};

function table_element(doc, block) {
  const wrap = doc.createElement('div');
  wrap.className = 'table-wrap';
  const table = doc.createElement('table');
  const thead = doc.createElement('thead');
  const head_row = doc.createElement('tr');
  block.header.forEach((cell, c) => {
    const th = doc.createElement('th');
    th.setAttribute('scope', 'col');
    if (align_class[block.align[c]]) th.className = align_class[block.align[c]];
    append_inline(doc, th, cell);
    head_row.appendChild(th);
  });
  thead.appendChild(head_row);
  table.appendChild(thead);
  const tbody = doc.createElement('tbody');
  for (const row of block.rows) {
    const tr = doc.createElement('tr');
    row.forEach((cell, c) => {
      const td = doc.createElement('td');
      if (align_class[block.align[c]]) td.className = align_class[block.align[c]];
      append_inline(doc, td, cell);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }
  table.appendChild(tbody);
  wrap.appendChild(table);
  return wrap;
}

/**
 * The Markdown `text` as a <div class="markdown"> built with `doc` (the page's document, or a
 * stand-in with createElement, createTextNode, appendChild, setAttribute, className and
 * textContent). Headings are shifted down by `heading_offset` levels (an artifact sits under
 * the page's own headings), capped at h6.
 */
export function render_markdown(text, doc, heading_offset = 2) {
  const root = doc.createElement('div');
  root.className = 'markdown';
  for (const block of parse_markdown(text)) {
    switch (block.type) {
      case 'heading': {
        const h = doc.createElement(`h${Math.min(6, block.level + heading_offset)}`);
        append_inline(doc, h, block.children);
        root.appendChild(h);
        break;
      }
      case 'paragraph': {
        const p = doc.createElement('p');
        append_inline(doc, p, block.children);
        root.appendChild(p);
        break;
      }
      case 'list': {
        const list = doc.createElement(block.ordered ? 'ol' : 'ul');
        if (block.ordered && block.start !== 1) list.setAttribute('start', String(block.start));
        for (const item of block.items) {
          const li = doc.createElement('li');
          append_inline(doc, li, item);
          list.appendChild(li);
        }
        root.appendChild(list);
        break;
      }
      case 'code': {
        const pre = doc.createElement('pre');
        const code = doc.createElement('code');
        code.textContent = block.text;
        pre.appendChild(code);
        root.appendChild(pre);
        break;
      }
      case 'table':
        root.appendChild(table_element(doc, block));
        break;
      default:
        break;
    }
  }
  return root;
}
