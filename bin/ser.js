#!/usr/bin/env node
// SIP Express Router: see `ser -h`.
import { run } from '../dist/src/daemon/main.js';

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ser: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
