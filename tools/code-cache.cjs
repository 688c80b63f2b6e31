'use strict';
// Makes dist/bundle/ser.cjs.cache, the V8 code cache bin/load-bundle.js gives V8 when ser starts.
// Run by tools/bundle.js with bin/ser.js's V8 flags. The bundle is loaded as ser loads it, then
// the configuration ser ships with (etc/ser.cfg) is checked (`ser -c`): what V8 has compiled by
// then (loading, the command line, the configuration's lexer, parser and checks, the modules'
// set-up) is what every start runs, and goes into the cache with its bytecode.
const fs = require('node:fs');
const path = require('node:path');
const { bundlePath, codeCacheFile, loadBundle } = require('../bin/load-bundle.js');

const root = path.join(__dirname, '..');
const { exports: ser, script, id } = loadBundle(bundlePath);
if (id === undefined) throw new Error(`${bundlePath} has no build id on its first line`);
ser
  .run(['-c', '-f', path.join(root, 'etc', 'ser.cfg')])
  .then((code) => {
    if (code !== 0) throw new Error(`ser -c -f etc/ser.cfg exited ${code}`);
    fs.writeFileSync(codeCacheFile(bundlePath), Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
  })
  .catch((e) => {
    process.stderr.write(`code-cache: ${e.stack ?? e}\n`);
    process.exitCode = 1;
  });
