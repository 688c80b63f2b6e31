import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_URI_LINE, parseDsetOutput } from './dset-output.js';

test('one URI a line; blank lines skipped; CR, tabs and spaces trimmed', () => {
  const r = parseDsetOutput(Buffer.from('sip:mra@iptel.org\r\n\n  \nsip:mrb@iptel.org \t\n\ntel:+4930123\n'));
  assert.deepEqual(r.uris, ['sip:mra@iptel.org', 'sip:mrb@iptel.org', 'tel:+4930123']);
  assert.deepEqual(r.bad, []);
});

test('no final newline, empty output', () => {
  assert.deepEqual(parseDsetOutput(Buffer.from('sip:a@b')).uris, ['sip:a@b']);
  assert.deepEqual(parseDsetOutput(Buffer.alloc(0)), { uris: [], bad: [] });
});

test('lines that are not URIs are reported with their line number and dropped', () => {
  const r = parseDsetOutput(Buffer.from('hello world\nsip:ok@h\nhttp://x/\nsip:@\nsip:a b@h\n' + 'sip:' + 'a'.repeat(MAX_URI_LINE) + '@h\nsip:\x01@h\n'));
  assert.deepEqual(r.uris, ['sip:ok@h']);
  assert.deepEqual(r.bad.map((b) => b.line), [1, 3, 4, 5, 6, 7]);
  assert.match(r.bad[1]!.why, /scheme 'http'/);
  assert.match(r.bad[4]!.why, /longer than 1024/);
  assert.ok(r.bad.every((b) => b.text.length <= 80));
});
