import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { scanQuoted, unquote } from './quoted.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('quoted-string (RFC 3261 §25.1)', () => {
  it('finds the closing quote past escaped quotes and backslashes', () => {
    const s = '"a \\" b \\\\" rest';
    const end = scanQuoted(b(s), 0, s.length, 'E');
    assert.equal(s.slice(0, end), '"a \\" b \\\\"');
    assert.equal(unquote(s, b(s), 0, end), 'a " b \\');
  });
  it('accepts UTF-8 and escaped control characters, refuses raw ones', () => {
    const s = '"\xd0\xbd \\\x00"';
    assert.equal(scanQuoted(b(s), 0, s.length, 'E'), s.length);
    assert.equal(unquote(s, b(s), 0, s.length), '\xd0\xbd \x00');
    assert.throws(() => scanQuoted(b('"a\x00"'), 0, 4, 'E'), SipParseError);
    assert.throws(() => scanQuoted(b('"a\x7f"'), 0, 4, 'E'), SipParseError);
  });
  it('refuses an unterminated string (RFC 4475 quotbal) and an escaped CR/LF', () => {
    assert.throws(() => scanQuoted(b('"abc'), 0, 4, 'E_TO'), (e: unknown) => e instanceof SipParseError && e.code === 'E_TO');
    assert.throws(() => scanQuoted(b('"abc\\'), 0, 5, 'E'), SipParseError);
    assert.throws(() => scanQuoted(b('"a\\\r\n b"'), 0, 8, 'E'), SipParseError);
  });
  it('drops the CRLF of a fold', () => {
    const s = '"a\r\n b"';
    assert.equal(unquote(s, b(s), 0, scanQuoted(b(s), 0, s.length, 'E')), 'a b');
  });
});
