#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS SER_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
// ser-dbinit: creates (or drops) ser's database, its tables and its accounts; see `ser-dbinit -h`.
'use strict';
// CommonJS (bin/package.json); the tool itself is an ES module.
import('../dist/src/db/db-init.js').then(({ dbinitMain }) => dbinitMain(process.argv.slice(2))).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ser-dbinit: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
