#!/usr/bin/env -S node --single-threaded-gc
// SIP Express Router: see `ser -h`.
// --single-threaded-gc: the server is one event loop per process; V8's parallel GC helper threads
// cost more CPU in hand-offs than they save on its small, short-lived heaps, and they take a core
// from the workers and the other processes of the machine (docs/benchmarks.md, S2).
import { run } from '../dist/bundle/ser.js';

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ser: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
