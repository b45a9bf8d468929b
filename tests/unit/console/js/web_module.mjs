// Loads a file of src/console/web/ as an ES module. The console's files are plain .js served to
// the browser as modules; node would read them as CommonJS (no package.json says otherwise, and
// one in web/ would be embedded and served), so the exact bytes are imported from a data: URL.
// Only self-contained modules (no imports of their own) can be loaded this way.

import {readFile} from 'node:fs/promises';

export const web_dir = new URL('../../../../src/console/web/', import.meta.url);

export async function web_module(name) {
  const source = await readFile(new URL(name, web_dir), 'utf8');
  return import(`data:text/javascript;charset=utf-8,${encodeURIComponent(source)}`);
}
