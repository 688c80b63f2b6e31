// bin/load-bundle.js: the server bundle and the V8 code cache `npm run build` makes for it. The
// cache must be taken when ser starts as installed (bin/ser.js's #! flags), and must never be
// taken for another build of the bundle; without it the bundle runs all the same.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, tempDir } from './cli-helpers.js';

const LOADER = path.join(ROOT, 'bin', 'load-bundle.js');
const BUNDLE = path.join(ROOT, 'dist', 'bundle', 'ser.cjs');
/** The V8 flags of bin/ser.js's #! line. */
const SER_FLAGS = (createRequire(import.meta.url)(LOADER) as { serNodeFlags(): string[] }).serNodeFlags();

/** Load `bundle` in a new Node with `flags`; whether the cache was used, and the type of its run(). */
function load(bundle: string, flags: readonly string[]): Promise<{ cacheUsed: boolean; run: string }> {
  const code = `const r = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(bundle)}); console.log(JSON.stringify({ cacheUsed: r.cacheUsed, run: typeof r.exports.run }));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...flags, '-e', code], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
  });
}

test("with bin/ser.js's V8 flags the bundle runs from its code cache; with others V8 refuses the cache and compiles", { timeout: 30_000 }, async () => {
  assert.ok(SER_FLAGS.length > 0, 'bin/ser.js carries V8 flags');
  assert.deepEqual(await load(BUNDLE, SER_FLAGS), { cacheUsed: true, run: 'function' });
  assert.deepEqual(await load(BUNDLE, []), { cacheUsed: false, run: 'function' });
});

test('a code cache made for another build of the bundle, or none, is not used', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  // the bundle reads its version from the package.json above it
  copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  const copy = path.join(dir, 'ser.cjs');
  copyFileSync(BUNDLE, copy);
  assert.deepEqual(await load(copy, SER_FLAGS), { cacheUsed: false, run: 'function' }, 'no cache file');
  // the same bytes under another build id, as after a rebuild that left an old cache behind
  const cache = readFileSync(`${BUNDLE}.cache`);
  const nl = cache.indexOf(10);
  writeFileSync(`${copy}.cache`, Buffer.concat([Buffer.from('0123456789abcdef', 'latin1'), cache.subarray(nl)]));
  assert.deepEqual(await load(copy, SER_FLAGS), { cacheUsed: false, run: 'function' }, 'another build id');
  // and the right id is taken: the check is the id, not the place
  copyFileSync(`${BUNDLE}.cache`, `${copy}.cache`);
  assert.deepEqual(await load(copy, SER_FLAGS), { cacheUsed: true, run: 'function' });
});
