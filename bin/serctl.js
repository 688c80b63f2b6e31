#!/usr/bin/env node
// serctl: the management tool (see `serctl` without arguments).
import { run } from '../dist/src/cli/serctl.js';

process.exitCode = run(process.argv.slice(2));
