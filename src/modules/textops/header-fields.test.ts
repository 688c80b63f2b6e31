import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage, type SipMessage } from '../../sip/parser/message.js';
import { headerLines } from './header-lines.js';
import { call, configError, ctxOf, edited, forwarded, requestText } from './test-util.js';

// append_hf, append_urihf, is_present_hf, remove_hf: header fields by their parsed names.

const parse = (text: string): SipMessage => parseMessage(Buffer.from(text, 'latin1'));
const names = (m: SipMessage): string[] => m.headers.map((h) => m.head.slice(h.start, h.valueStart).replace(/[\s:]+$/, ''));

test('append_hf adds the lines after the last header field, before the empty line', () => {
  const ctx = ctxOf(requestText({ body: 'hello' }));
  assert.equal(call('append_hf', '"P-Hint: USRLOC\\r\\n"')(ctx), 1);
  assert.equal(call('append_hf', '"X-Two: 2\\r\\nX-Three: 3\\r\\n"')(ctx), 1);
  const m = parse(edited(ctx));
  assert.deepEqual(names(m).slice(-4), ['Content-Length', 'P-Hint', 'X-Two', 'X-Three']);
  assert.equal(m.body.toString(), 'hello');
  // what forwarding sends: our Via on top, the additions last, the body intact
  const f = parse(forwarded(ctx));
  assert.equal(names(f)[0], 'Via');
  assert.equal(f.value(f.header('p-hint')!), 'USRLOC');
  assert.equal(f.body.toString(), 'hello');
  assert.equal(f.contentLength, 5);
});

test('append_hf: a missing CRLF is added; text that is not header lines is a configuration error', () => {
  const ctx = ctxOf(requestText());
  call('append_hf', '"P-Hint: bare"')(ctx);
  assert.match(edited(ctx), /\r\nP-Hint: bare\r\n\r\n$/);
  assert.match(configError('append_hf', '""'), /^test\.cfg:2:19: error: the text is empty/);
  assert.match(configError('append_hf', '"\\r\\nX: y\\r\\n"'), /error: the text has an empty line/);
  assert.match(configError('append_hf', '"X: y\\r\\n\\r\\nbody"'), /error: the text has an empty line/);
  assert.match(configError('append_hf', '" X: y\\r\\n"'), /error: the text starts with whitespace/);
  assert.match(configError('append_hf', '"no colon here\\r\\n"'), /error: "no colon here" is not a header field line/);
  assert.match(configError('append_hf', '"X: a\\rY: b"'), /error: a line break must be/);
});

test('header lines: folding, a final bare LF, several lines', () => {
  assert.deepEqual(headerLines('A: 1\r\n  continued\r\nB : 2\n'), ['A: 1', '  continued', 'B : 2']);
  assert.deepEqual(headerLines('A: 1'), ['A: 1']);
});

test('append_urihf puts the current Request-URI between prefix and suffix (admin guide Example 3-11)', () => {
  const ctx = ctxOf(requestText({ uri: 'sip:6000@pbx.example.com' }));
  assert.equal(call('append_urihf', '"CC-Diversion: ", "\\r\\n"')(ctx), 1);
  assert.match(edited(ctx), /\r\nCC-Diversion: sip:6000@pbx\.example\.com\r\n\r\n$/);
  const rewritten = ctxOf(requestText({ uri: 'sip:6000@pbx.example.com' }));
  rewritten.newUri = 'sip:voicemail@192.0.2.10';
  call('append_urihf', '"X-Orig: <", ">"')(rewritten);
  assert.match(edited(rewritten), /\r\nX-Orig: <sip:voicemail@192\.0\.2\.10>\r\n\r\n$/, 'the rewritten URI; CRLF added');
  assert.match(configError('append_urihf', '"", "\\r\\n"'), /^test\.cfg:2:22: error: the prefix '' must start a header line/);
  assert.match(configError('append_urihf', '"X: ", "\\r\\n\\r\\n"'), /^test\.cfg:2:29: error: the suffix makes a bad header/);
});

test('is_present_hf: by parsed name, any case, compact and long forms alike', () => {
  const ctx = ctxOf(
    requestText({
      headers: [
        'OPTIONS sip:bob@example.com SIP/2.0',
        'v: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKc1',
        'f: <sip:alice@example.com>;tag=1',
        'TO: <sip:bob@example.com>',
        'i: c2@example.com',
        'CSeq: 1 OPTIONS',
        'X-Foo : spaced',
        'x-lower:1',
        'l: 0',
      ],
    }),
  );
  for (const [name, want] of [
    ['From', 1], ['f', 1], ['FROM', 1], ['F', 1],
    ['To', 1], ['t', 1], ['Call-ID', 1], ['call-id', 1], ['i', 1], ['Via', 1],
    ['Content-Length', 1], ['l', 1],
    ['X-Foo', 1], ['x-foo', 1], ['X-LOWER', 1],
    ['Subject', -1], ['s', -1], ['Contact', -1], ['m', -1], ['X-Fo', -1],
  ] as const) {
    assert.equal(call('is_present_hf', `"${name}"`)(ctx), want, name);
  }
  // the long form finds a compact field and the compact form a long one
  const long = ctxOf(requestText({ extra: ['Subject: hi'] }));
  assert.equal(call('is_present_hf', '"s"')(long), 1);
  assert.equal(call('is_present_hf', '"f"')(long), 1);
});

test('is_present_hf and remove_hf: a name that is not a token is a configuration error', () => {
  const e = configError('is_present_hf', '"From:"');
  assert.match(e, /^test\.cfg:2:23: error: 'From:' is not a header field name/);
  assert.match(e, /hint: write "From", without the colon/);
  assert.match(configError('remove_hf', '"X Foo"'), /error: 'X Foo' is not a header field name/);
  assert.match(configError('remove_hf', '""'), /error: '' is not a header field name/);
});

test('remove_hf removes every field of the name, compact forms and spaced colons included', () => {
  const ctx = ctxOf(
    requestText({
      extra: ['Subject: one', 's: two', 'X-Foo : spaced', 'x-foo:tight', 'X-Folded: a,', '  b', 'X-Keep: yes', 'SUBJECT:three'],
      body: 'Subject: in the body',
    }),
  );
  assert.equal(call('remove_hf', '"s"')(ctx), 1);
  assert.equal(call('remove_hf', '"X-Foo"')(ctx), 1);
  assert.equal(call('remove_hf', '"x-folded"')(ctx), 1);
  assert.equal(call('remove_hf', '"Organization"')(ctx), -1, 'none: false');
  const m = parse(edited(ctx));
  assert.deepEqual(names(m), ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'X-Keep', 'Content-Length']);
  assert.equal(m.body.toString(), 'Subject: in the body', 'the body is not a header');
  // still "present": the functions look at the header as received (SER did the same)
  assert.equal(call('is_present_hf', '"Subject"')(ctx), 1);
});

test('remove_hf("Max-Forwards") then forwarding: no Max-Forwards goes out, and nothing of its value', () => {
  const ctx = ctxOf(requestText());
  assert.equal(call('remove_hf', '"Max-Forwards"')(ctx), 1);
  const out = forwarded(ctx);
  const m = parse(out);
  assert.equal(m.header('max-forwards'), undefined);
  assert.deepEqual(names(m), ['Via', 'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length']);
  assert.doesNotMatch(out, /\r\n69\r\n|\r\n69/, 'no stray decremented value');
});

test('remove_hf("Content-Length") then forwarding: a Content-Length is written anew, with the body length', () => {
  const ctx = ctxOf(requestText({ body: 'hello' }));
  assert.equal(call('remove_hf', '"l"')(ctx), 1);
  const m = parse(forwarded(ctx));
  // one field, last: a stream transport frames the message by it (RFC 3261 §18.3)
  assert.deepEqual(names(m), ['Via', 'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length']);
  assert.equal(m.contentLength, 5);
  assert.equal(m.body.toString(), 'hello');
  // the request as the script left it (what a local reply copies from) has none
  assert.equal(parse(edited(ctx)).header('content-length'), undefined);
});

test('remove_hf of a field with several values removes the whole field', () => {
  const ctx = ctxOf(requestText({ extra: ['Supported: a, b', 'k: c'] }));
  assert.equal(call('remove_hf', '"Supported"')(ctx), 1);
  const m = parse(edited(ctx));
  assert.equal(m.header('supported'), undefined);
});
