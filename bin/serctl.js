#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS SER_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
// serctl: the management tool (see `serctl help`).
'use strict';
// CommonJS (bin/package.json); the tool itself is an ES module.
import('../dist/src/cli/serctl.js').then(({ run }) => run(process.argv.slice(2))).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`serctl: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
