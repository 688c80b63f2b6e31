#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS SER_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
// ser-dbinit: creates (or drops) ser's database, its tables and its accounts; see `ser-dbinit -h`.
import { dbinitMain } from '../dist/src/db/db-init.js';

dbinitMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ser-dbinit: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
