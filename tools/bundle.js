// Bundles the server (dist/src/daemon/main.js, compiled by tsc) into dist/bundle/: one file for
// what every start needs, plus a chunk per lazily loaded part (the database adapters). Node 20
// spends about a third of a millisecond of CPU per ES module it loads, so the ~80 modules of a
// start cost ~30 ms more than one file does. Packages (better-sqlite3, mysql2, pg) stay
// external: they load from node_modules, and only when a db_url asks for them.
import { build } from 'esbuild-wasm';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { ser: path.join(root, 'dist', 'src', 'daemon', 'main.js') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir,
  sourcemap: 'linked',
  logLevel: 'warning',
});
