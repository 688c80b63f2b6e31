#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS SER_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node --single-threaded-gc --min-semi-space-size=8 --max-semi-space-size=8 --no-memory-reducer
// SIP Express Router: see `ser -h`.
// V8 flags for a server (docs/architecture.md, "One file to start, one GC thread"; measured in
// docs/benchmarks.md, S2):
// --single-threaded-gc: one event loop per process; V8's parallel GC helper threads cost more CPU
//   in hand-offs than they save on its small, short-lived heaps, and take a core from the others.
// --max-semi-space-size=8: a young generation of at most 8 MB, not 16: it touches fewer fresh pages
//   (page faults are dear on virtual machines), and is still large enough that what requests
//   waiting on a database hold dies young (at 2 MB it was promoted and cost auth_db a third more CPU).
// --min-semi-space-size=8: and 8 MB from the start: V8 would begin at 1 MB and grow it only as
//   scavenges keep much alive, so a registrar filling up scavenged twice as often (49 against 24 in S2).
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
