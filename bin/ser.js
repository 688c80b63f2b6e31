#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS SER_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node --single-threaded-gc --max-semi-space-size=2 --no-memory-reducer
// SIP Express Router: see `ser -h`.
// V8 flags for a server (docs/architecture.md, "One file to start, one GC thread"; measured in
// docs/benchmarks.md, S2):
// --single-threaded-gc: one event loop per process; V8's parallel GC helper threads cost more CPU
//   in hand-offs than they save on its small, short-lived heaps, and take a core from the others.
// --max-semi-space-size=2: a young generation of 2 MB, not up to 16: what a request allocates dies
//   within one, and a smaller young generation touches a third fewer fresh pages (page faults
//   are dear on virtual machines) while each scavenge stays short.
// --no-memory-reducer: no full collections to shrink the heap while the server waits for traffic;
//   a server's heap is what its peak needed, and it is collected as usual when traffic comes.
// NODE_EXTRA_CA_CERTS is taken from Node, which would load every CA certificate at start (~40 ms
// of CPU), and kept in SER_NODE_EXTRA_CA_CERTS for database TLS and child programs
// (src/util/extra-ca-certs.ts).
'use strict';
const { bundlePath, loadBundle } = require('./load-bundle.js');

const { run } = loadBundle(bundlePath).exports;

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ser: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
