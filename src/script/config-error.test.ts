import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError } from './config-error.js';

describe('ConfigError', () => {
  test('is an Error with a location, a hint and a severity', () => {
    const loc = { file: 'ser.cfg', line: 12, col: 5, len: 14 };
    const e = new ConfigError("unknown function 'sl_send_replay'", loc, "did you mean 'sl_send_reply'?");
    assert.ok(e instanceof Error);
    assert.ok(e instanceof ConfigError);
    assert.equal(e.name, 'ConfigError');
    assert.equal(e.message, "unknown function 'sl_send_replay'");
    assert.deepEqual(e.loc, loc);
    assert.equal(e.hint, "did you mean 'sl_send_reply'?");
    assert.equal(e.severity, 'error');
    assert.equal(new ConfigError('x', loc, undefined, 'warning').severity, 'warning');
    assert.equal(new ConfigError('x').loc, undefined);
  });

  test('formats like a compiler, with the source line and a marker', () => {
    const source = ['# ser.cfg', ...Array.from({ length: 10 }, () => ''), 'route {', '    sl_send_replay("404");', '}'].join('\n');
    const e = new ConfigError("unknown function 'sl_send_replay'", { file: 'ser.cfg', line: 13, col: 5, len: 14 }, "did you mean 'sl_send_reply'?");
    assert.equal(
      e.format(source),
      [
        "ser.cfg:13:5: error: unknown function 'sl_send_replay'",
        '   13 |     sl_send_replay("404");',
        '      |     ^~~~~~~~~~~~~~',
        "hint: did you mean 'sl_send_reply'?",
      ].join('\n'),
    );
  });

  test('the example of the specification', () => {
    const lines = Array.from({ length: 11 }, () => '');
    lines.push('    sl_send_replay("404");');
    const e = new ConfigError("unknown function 'sl_send_replay'", { file: 'ser.cfg', line: 12, col: 5, len: 14 }, "did you mean 'sl_send_reply'?");
    assert.equal(
      e.format(lines.join('\n')),
      'ser.cfg:12:5: error: unknown function \'sl_send_replay\'\n   12 |     sl_send_replay("404");\n      |     ^~~~~~~~~~~~~~\nhint: did you mean \'sl_send_reply\'?',
    );
  });

  test('without source text, or without a location', () => {
    const e = new ConfigError('bad', { file: 'a.cfg', line: 3, col: 7, len: 2 });
    assert.equal(e.format(), 'a.cfg:3:7: error: bad');
    assert.equal(new ConfigError('no place', undefined, 'some hint').format('x'), 'error: no place\nhint: some hint');
    assert.equal(new ConfigError('careful', { file: 'a.cfg', line: 1, col: 1, len: 1 }, undefined, 'warning').format(), 'a.cfg:1:1: warning: careful');
  });

  test('tabs before the marker are kept so that the caret stays aligned', () => {
    const source = 'route {\n\t\tif (x) {\n\t\t\tsl_send_replay("404");\n';
    const e = new ConfigError('unknown', { file: 'f', line: 3, col: 4, len: 14 });
    const out = e.format(source).split('\n');
    assert.equal(out[1], '    3 | \t\t\tsl_send_replay("404");');
    assert.equal(out[2], '      | \t\t\t^~~~~~~~~~~~~~');
    // whatever the tab width, the caret is below the 's': same prefix, same characters
    const src = out[1]!.slice(out[1]!.indexOf('|'));
    const mark = out[2]!.slice(out[2]!.indexOf('|'));
    assert.equal(src.indexOf('sl_send'), mark.indexOf('^'));
    for (const width of [1, 4, 8]) {
      const expand = (s: string) => s.replace(/\t/g, ' '.repeat(width));
      assert.equal(expand(src).indexOf('sl_send'), expand(mark).indexOf('^'));
    }
  });

  test('tabs in the middle of the line before the column', () => {
    const e = new ConfigError('x', { file: 'f', line: 1, col: 5, len: 1 });
    assert.equal(e.format('a\tb\tc'), 'f:1:5: error: x\n    1 | a\tb\tc\n      |  \t \t^');
  });

  test('the marker is clamped to the line; a column past the end still shows a caret', () => {
    const e1 = new ConfigError('x', { file: 'f', line: 1, col: 3, len: 50 });
    assert.equal(e1.format('abcdef\nsecond'), 'f:1:3: error: x\n    1 | abcdef\n      |   ^~~~');
    const e2 = new ConfigError("missing ';'", { file: 'f', line: 1, col: 7, len: 1 });
    assert.equal(e2.format('log(1)\nx'), "f:1:7: error: missing ';'\n    1 | log(1)\n      |       ^");
    const e3 = new ConfigError('x', { file: 'f', line: 1, col: 1, len: 0 });
    assert.equal(e3.format('ab'), 'f:1:1: error: x\n    1 | ab\n      | ^');
  });

  test('CRLF, empty lines, lines that do not exist, long line numbers', () => {
    const e = new ConfigError('x', { file: 'f', line: 2, col: 1, len: 3 });
    assert.equal(e.format('a\r\nbcd\r\n'), 'f:2:1: error: x\n    2 | bcd\n      | ^~~');
    const empty = new ConfigError('x', { file: 'f', line: 2, col: 1, len: 1 });
    assert.equal(empty.format('a\n\nb'), 'f:2:1: error: x\n    2 |\n      | ^');
    assert.equal(new ConfigError('x', { file: 'f', line: 9, col: 1, len: 1 }).format('a\nb'), 'f:9:1: error: x');
    const big = new ConfigError('x', { file: 'f', line: 123456, col: 2, len: 1 });
    assert.equal(big.format('\n'.repeat(123455) + 'ab'), 'f:123456:2: error: x\n123456 | ab\n       |  ^');
  });

  test('an empty file name prints only the position', () => {
    assert.equal(new ConfigError('x', { file: '', line: 1, col: 2, len: 1 }).format(), '1:2: error: x');
  });
});
