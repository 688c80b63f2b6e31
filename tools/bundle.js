// Bundles the server (dist/src/daemon/main.js, compiled by tsc) into dist/bundle/ser.cjs, one
// CommonJS file, then has tools/code-cache.cjs make its V8 code cache. Node 20 spends about a
// third of a millisecond of CPU per ES module it loads, so the ~80 modules of a start cost ~30 ms
// more than one file does, and an ES module entry sets up Node's ES module loader (~10 ms more).
// The database adapters are in the file but run only when a db_url names them; the packages
// (better-sqlite3, mysql2, pg) stay external and load from node_modules then.
import { build } from 'esbuild-wasm';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serNodeFlags } from '../bin/load-bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { ser: path.join(root, 'dist', 'src', 'daemon', 'main.js') },
  bundle: true,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // import() of node:http and of the adapters becomes require(): a script compiled by node:vm
  // (bin/load-bundle.js) has no ES module loader to import with
  supported: { 'dynamic-import': false },
  // the one import.meta.url of the sources (version.ts: where package.json is)
  inject: [path.join(root, 'tools', 'import-meta-url.js')],
  define: { 'import.meta.url': 'importMetaUrl' },
  // a new build id each build: the code cache made for this file starts with it (a comment, so
  // that esbuild's "use strict" stays the first statement)
  banner: { js: `// ser build ${randomBytes(8).toString('hex')}` },
  outdir,
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The code cache is only taken with the V8 flags it was made with: those of bin/ser.js's #! line.
const flags = serNodeFlags();
// The server it runs prints its banner: shown only when something went wrong.
const r = spawnSync(process.execPath, [...flags, path.join(root, 'tools', 'code-cache.cjs')], { encoding: 'utf8', timeout: 60_000 });
if (r.status !== 0) {
  process.stderr.write(`tools/code-cache.cjs failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  process.exit(1);
}
for (const line of r.stderr.split('\n')) if (line.startsWith('code-cache:')) process.stderr.write(line + '\n');
