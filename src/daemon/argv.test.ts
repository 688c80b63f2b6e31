import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgv, UsageError } from './argv.js';

test('-l/-p: a port applies to the last address and the following ones without one (SER §6.3)', () => {
  const cl = parseArgv(['-l', 'foo', '-l', 'bar', '-p', '5061', '-l', 'x', '-l', 'y']);
  assert.deepEqual(
    cl.listen.map((l) => [l.addr, l.port]),
    [
      ['foo', undefined],
      ['bar', 5061],
      ['x', 5061],
      ['y', 5061],
    ],
  );
});

test('-p after an address that came with the previous -p moves it; an address with its own port keeps it', () => {
  const cl = parseArgv(['-l', '127.0.0.1', '-p', '7001', '-l', '127.0.0.1', '-p', '7002', '-l', 'udp:10.0.0.1:7000', '-p', '7003']);
  assert.deepEqual(
    cl.listen.map((l) => [l.addr, l.port]),
    [
      ['127.0.0.1', 7001],
      ['127.0.0.1', 7002],
      ['udp:10.0.0.1:7000', 7000],
    ],
  );
});

test('grouped flags and attached values, getopt style', () => {
  const cl = parseArgv(['-dddDE', '-f/tmp/x.cfg', '-n', '4', '-P', 'ser.pid', '-c']);
  assert.equal(cl.debug, 3);
  assert.equal(cl.foreground, 1);
  assert.equal(cl.logStderr, true);
  assert.equal(cl.configFile, '/tmp/x.cfg');
  assert.equal(cl.children, 4);
  assert.equal(cl.pidFile, 'ser.pid');
  assert.equal(cl.checkOnly, true);
});

test('every §6.3 option is understood', () => {
  const cl = parseArgv(['-h', '-V', '-r', '-R', '-v', '-b', '1000', '-m', '64', '-w', '/tmp', '-u', 'ser', '-g', 'ser', '-t', '/var/empty', '-i', '/tmp/ser_fifo']);
  assert.equal(cl.help, true);
  assert.equal(cl.version, true);
  assert.equal(cl.dns, true);
  assert.equal(cl.revDns, true);
  assert.equal(cl.checkVia, true);
  assert.equal(cl.maxBuffer, 1000);
  assert.equal(cl.shmSize, 64);
  assert.equal(cl.workDir, '/tmp');
  assert.equal(cl.user, 'ser');
  assert.equal(cl.group, 'ser');
  assert.equal(cl.chroot, '/var/empty');
  assert.equal(cl.fifo, '/tmp/ser_fifo');
});

test('bad command lines are usage errors', () => {
  assert.throws(() => parseArgv(['-x']), UsageError);
  assert.throws(() => parseArgv(['-p']), UsageError);
  assert.throws(() => parseArgv(['-p', '70000']), UsageError);
  assert.throws(() => parseArgv(['-n', 'many']), UsageError);
  assert.throws(() => parseArgv(['stray']), UsageError);
});
