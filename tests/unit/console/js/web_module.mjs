// Loads a file of src/console/web/ as an ES module. The console's files are plain .js served to
// the browser as modules; node would read them as CommonJS (no package.json says otherwise, and
// one in web/ would be embedded and served), so the exact bytes are imported from a data: URL,
// with each relative import ('./x.js') pointing at x.js loaded the same way.

import {readFile} from 'node:fs/promises';

export const web_dir = new URL('../../../../src/console/web/', import.meta.url);

async function data_url(name, seen) {
  if (seen.has(name)) return seen.get(name);
  let source = await readFile(new URL(name, web_dir), 'utf8');
  const imports = [...source.matchAll(/from '\.\/([a-z_]+\.js)'/g)].map((m) => m[1]);
  for (const dep of new Set(imports)) {
    source = source.replaceAll(`from './${dep}'`, `from '${await data_url(dep, seen)}'`);
  }
  // encodeURIComponent leaves ' alone; the URL sits in a quoted import of another module.
  const encoded = encodeURIComponent(source).replaceAll("'", '%27');
  const url = `data:text/javascript;charset=utf-8,${encoded}`;
  seen.set(name, url);
  return url;
}

export async function web_module(name) {
  return import(await data_url(name, new Map()));
}
