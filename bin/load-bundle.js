'use strict';
// Loads the server bundle (dist/bundle/ser.cjs) with the V8 code cache `npm run build` made for
// it (tools/code-cache.cjs): the bytecode of what every start runs, so that V8 does not parse and
// compile it again. CommonJS, so that starting ser does not set up Node's ES module loader.
// The cache is used only when it was made from this very bundle (the build id on the bundle's
// first line starts the cache file) and with the same V8 flags (V8 checks its flags, its version
// and the source length itself, and otherwise compiles the source as if there were no cache).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { Module, createRequire } = require('node:module');

/** The bundle's build id: its first line is `// ser build ID`. */
function buildId(source) {
  const m = /^\/\/ ser build ([0-9a-f]+)\n/.exec(source);
  return m ? m[1] : undefined;
}

/** The code cache file of a bundle: the build id, a newline, then V8's data. */
function codeCacheFile(bundle) {
  return `${bundle}.cache`;
}

/**
 * The V8 flags of bin/ser.js's #! line: the flags ser runs with, so the ones the code cache must
 * be made with (tools/bundle.js), and the ones benchmarks of the server's code use.
 */
function serNodeFlags() {
  const shebang = fs.readFileSync(path.join(__dirname, 'ser.js'), 'utf8').split('\n')[0];
  return shebang.split(' ').filter((w) => w.startsWith('--'));
}

/** Run the bundle as a CommonJS module; its exports and the compiled script. */
function loadBundle(bundle) {
  const source = fs.readFileSync(bundle, 'utf8');
  const id = buildId(source);
  let cachedData;
  try {
    const data = fs.readFileSync(codeCacheFile(bundle));
    const nl = data.indexOf(10);
    if (id !== undefined && nl > 0 && data.toString('latin1', 0, nl) === id) cachedData = data.subarray(nl + 1);
  } catch {
    // no cache (not built yet, or removed): compiled from the source
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const loaded = { exports: {} };
  script.runInThisContext().call(loaded.exports, loaded.exports, createRequire(bundle), loaded, bundle, path.dirname(bundle));
  return { exports: loaded.exports, script, id, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

module.exports = { buildId, codeCacheFile, loadBundle, serNodeFlags, bundlePath: path.join(__dirname, '..', 'dist', 'bundle', 'ser.cjs') };
