import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, run } from './serctl.js';

test('parseArgs: -f before the command, the command and its arguments', () => {
  assert.deepEqual(parseArgs(['-f', '/etc/ser.cfg', 'ul', 'show', 'jiri']), { cfgFile: '/etc/ser.cfg', cmd: 'ul', args: ['show', 'jiri'] });
  assert.deepEqual(parseArgs(['--config=x.cfg', 'ps']), { cfgFile: 'x.cfg', cmd: 'ps', args: [] });
  assert.deepEqual(parseArgs([]), { cfgFile: undefined, cmd: '', args: [] });
  assert.equal(parseArgs(['-h']).cmd, 'help');
  // options after the command belong to it (fifo parameters may start with '-')
  assert.deepEqual(parseArgs(['fifo', 'print', '-x']).args, ['print', '-x']);
  assert.throws(() => parseArgs(['-f']), /needs the config file/);
  assert.throws(() => parseArgs(['-x', 'ps']), /unknown option -x/);
});

function capture(): { out: string[]; err: string[]; io: { out(t: string): void; err(t: string): void; ask: undefined } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t) => out.push(t), err: (t) => err.push(t), ask: undefined } };
}

test('run: usage errors exit 2 with the right form and a pointer to help', async () => {
  for (const [argv, form] of [
    [['add', 'a', 'b'], 'serctl add <username> <password> <email>'],
    [['ul', 'add', 'x'], 'serctl ul add <username> <uri>'],
    [['acl', 'revoke'], 'serctl acl revoke <username> [<group>]'],
    [['ping'], 'serctl ping <uri>'],
    [['fifo'], 'serctl fifo <command>'],
    [['acl', 'frob'], 'acl needs show, grant or revoke'],
  ] as const) {
    const c = capture();
    assert.equal(await run(argv, { io: c.io, env: {}, cwd: '/tmp' }), 2, argv.join(' '));
    assert.ok(c.err.join('').includes(form), `${argv.join(' ')}: ${c.err.join('')}`);
    assert.match(c.err.join(''), /serctl help/);
  }
});

test('run: help prints the usage and exits 0', async () => {
  const c = capture();
  assert.equal(await run(['help'], { io: c.io, env: {}, cwd: '/tmp' }), 0);
  assert.match(c.out.join(''), /^usage: serctl/);
});
