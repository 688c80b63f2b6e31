import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../sip/parser/message.js';
import { call, ctxOf, edited, forwarded, requestText } from './test-util.js';

// search, search_append, replace, replace_all over head and body; edits only, never a
// re-serialised message.

const SDP = 'v=0\r\no=alice 1 1 IN IP4 192.0.2.7\r\nc=IN IP4 192.0.2.7\r\nm=audio 4000 RTP/AVP 0\r\n';

test('search: the whole message, start line, headers and body', () => {
  const ctx = ctxOf(requestText({ body: SDP }));
  assert.equal(call('search', '"^MESSAGE sip:bob@"')(ctx), 1, 'start line');
  assert.equal(call('search', '"^From:.*tag=a1"')(ctx), 1, 'header');
  assert.equal(call('search', '"m=audio 4000"')(ctx), 1, 'body');
  assert.equal(call('search', '"Content-Length: 0"')(ctx), -1);
  assert.equal(call('search', '"IN IP6"')(ctx), -1);
  assert.equal(ctx.edits.size, 0, 'search edits nothing');
});

test('search: bytes after Content-Length in a datagram are not part of the message', () => {
  const ctx = ctxOf(requestText({ body: 'hello' }) + 'TRAILING');
  assert.equal(call('search', '"hello"')(ctx), 1);
  assert.equal(call('search', '"TRAILING"')(ctx), -1);
});

test('search: an empty message body and a regex that matches the empty string', () => {
  const ctx = ctxOf(requestText());
  assert.equal(call('search', '"x*"')(ctx), 1, 'matches (empty) anywhere, as regexec does');
  assert.equal(call('search', '"^$"')(ctx), 1, 'at the very end, after the last LF (regexec too)');
  assert.equal(call('search', '"^\\r$"')(ctx), 1, 'the empty line after the head is a lone CR');
  const withBody = ctxOf(requestText({ body: 'hello' }));
  assert.equal(call('search', '"^$"')(withBody), -1, 'no empty line: every line ends in CR');
});

test('search_append inserts after the first match only', () => {
  const ctx = ctxOf(requestText({ extra: ['X-A: 1', 'X-A: 2'] }));
  assert.equal(call('search_append', '"^X-A: [0-9]", ";first"')(ctx), 1);
  const out = edited(ctx);
  assert.match(out, /\r\nX-A: 1;first\r\nX-A: 2\r\n/);
  assert.equal(call('search_append', '"^X-B", "!"')(ctx), -1);
});

test('replace changes the first match; the request line is never touched', () => {
  const ctx = ctxOf(requestText({ extra: ['X-Who: bob@example.com'] }));
  assert.equal(call('replace', '"bob@example\\.com", "eve@example.org"')(ctx), 1);
  const out = parseMessage(Buffer.from(edited(ctx), 'latin1'));
  assert.equal(out.ruri, 'sip:bob@example.com', 'SER starts at the second line');
  assert.equal(out.value(out.header('to')!), '<sip:eve@example.org>');
  assert.equal(out.value(out.header('x-who')!), 'bob@example.com', 'only the first match');
  assert.equal(call('replace', '"nothing-like-this", "x"')(ctx), -1);
});

test('replace_all changes every match, in head and body', () => {
  const ctx = ctxOf(requestText({ body: SDP }));
  assert.equal(call('replace_all', '"192\\.0\\.2\\.7", "198.51.100.9"')(ctx), 1);
  const out = edited(ctx);
  assert.equal(out.match(/198\.51\.100\.9/g)!.length, 3, 'the Via and both SDP lines');
  assert.doesNotMatch(out, /192\.0\.2\.7/);
  assert.equal(call('replace_all', '"nothing-like-this", "x"')(ctx), -1);
});

test('replace_all: an empty match does not loop; ^ prefixes every line from the second on', () => {
  const ctx = ctxOf(requestText({ body: 'a\r\nb\r\n' }));
  assert.equal(call('replace_all', '"^", "> "')(ctx), 1);
  const lines = edited(ctx).split('\r\n');
  assert.ok(lines[0]!.startsWith('MESSAGE sip:'), 'the start line is left alone');
  assert.ok(lines.slice(1, -1).every((l) => l.startsWith('> ')), lines.join('|'));
  // case-insensitive: 'j' is the one letter the head does not hold
  const ctx2 = ctxOf(requestText({ body: 'qqjaj' }));
  assert.equal(call('replace_all', '"q*j", "-"')(ctx2), 1);
  assert.match(edited(ctx2), /\r\n\r\n-a-$/);
  const ctx3 = ctxOf(requestText({ body: 'xy' }));
  assert.equal(call('replace_all', '"z*", ""')(ctx3), 1, 'terminates on empty matches everywhere');
  assert.match(edited(ctx3), /\r\n\r\nxy$/);
});

test('matching always reads the received text, not earlier edits (as SER lumps)', () => {
  const ctx = ctxOf(requestText({ extra: ['X-A: one'] }));
  call('replace', '"one", "two"')(ctx);
  assert.equal(call('search', '"X-A: two"')(ctx), -1);
  assert.equal(call('search', '"X-A: one"')(ctx), 1);
});

test('a body edit makes the forwarded Content-Length follow; a head edit does not change it', () => {
  const ctx = ctxOf(requestText({ body: SDP }));
  call('replace', '"m=audio 4000", "m=audio 40000"')(ctx);
  call('search_append', '"^c=IN IP4 [0-9.]+\\r\\n", "a=sendonly\\r\\n"')(ctx);
  call('replace', '"^v=0\\r\\n", ""')(ctx);
  call('replace', '"^Subject-less", "x"')(ctx);
  const out = parseMessage(Buffer.from(forwarded(ctx), 'latin1'));
  const body = out.body.toString('latin1');
  assert.equal(body, 'o=alice 1 1 IN IP4 192.0.2.7\r\nc=IN IP4 192.0.2.7\r\na=sendonly\r\nm=audio 40000 RTP/AVP 0\r\n');
  assert.equal(out.contentLength, body.length);
  const head = ctxOf(requestText({ body: SDP }));
  call('replace', '"^To: <sip:bob@example\\.com>", "To: <sip:robert@example.com>"')(head);
  const out2 = parseMessage(Buffer.from(forwarded(head), 'latin1'));
  assert.equal(out2.contentLength, Buffer.byteLength(SDP));
});

test('replacement text is the configuration text as bytes (UTF-8)', () => {
  const ctx = ctxOf(requestText({ extra: ['Subject: hi'] }));
  assert.equal(call('replace', '"hi$", "héllo"')(ctx), -1);
  // "hi$" does not match before the CR; "hi" at the end of the line with \r does
  assert.equal(call('replace', '"^Subject: hi\\r", "Subject: héllo\\r"')(ctx), 1);
  assert.equal(Buffer.from(edited(ctx), 'latin1').toString('utf8').includes('Subject: héllo\r\n'), true);
});
