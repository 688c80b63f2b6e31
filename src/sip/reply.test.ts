import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EditList } from './edit.js';
import { parseMessage } from './parser/message.js';
import { buildReply, LocalTags } from './reply.js';

const lines = (...l: string[]) => Buffer.from(l.map((x) => x + '\r\n').join('') + '\r\n', 'latin1');

const request = lines(
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK-1',
  'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2',
  'From: <sip:alice@example.com>;tag=a1',
  'To: "Alice" <sip:alice@example.com>',
  'Call-ID: 1-2@10.0.0.1',
  'CSeq: 7 REGISTER',
  'Contact: <sip:alice@10.0.0.1:5080>',
  'Max-Forwards: 70',
  'Content-Length: 0',
);

test('the Via, From, To, Call-ID and CSeq lines are copied as they came, in their order; the To gets a tag', () => {
  const tags = new LocalTags('seed');
  const msg = parseMessage(request);
  const text = buildReply(msg, 200, 'OK', { tags }).toString('latin1');
  assert.equal(
    text,
    lines(
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK-1',
      'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2',
      'From: <sip:alice@example.com>;tag=a1',
      `To: "Alice" <sip:alice@example.com>;tag=${tags.tagFor(msg)}`,
      'Call-ID: 1-2@10.0.0.1',
      'CSeq: 7 REGISTER',
      'Content-Length: 0',
    ).toString('latin1'),
  );
  assert.ok(tags.isOurs(tags.tagFor(msg)));
});

test('lines apart from each other, compact forms, a To that has a tag, a 100 without one', () => {
  const req = lines(
    'OPTIONS sip:b@example.com SIP/2.0',
    'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-3',
    'Max-Forwards: 70',
    't: <sip:b@example.com>;tag=x9',
    'X-Other: 1',
    'f: <sip:a@example.com>;tag=a2',
    'i: abc',
    'CSeq: 1 OPTIONS',
    'l: 0',
  );
  const msg = parseMessage(req);
  const tags = new LocalTags('seed');
  const expectHead = [
    'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-3',
    't: <sip:b@example.com>;tag=x9',
    'f: <sip:a@example.com>;tag=a2',
    'i: abc',
    'CSeq: 1 OPTIONS',
  ];
  assert.equal(buildReply(msg, 486, 'Busy Here', { tags }).toString('latin1'), lines('SIP/2.0 486 Busy Here', ...expectHead, 'Content-Length: 0').toString('latin1'));
  const trying = parseMessage(request);
  assert.match(buildReply(trying, 100, 'Trying', { tags }).toString('latin1'), /\r\nTo: "Alice" <sip:alice@example.com>\r\n/);
});

test("the script's received/rport edits inside a Via are applied to its copy, other edits are not", () => {
  const msg = parseMessage(request);
  const edits = new EditList();
  const via1 = msg.headers[0]!;
  edits.insert(via1.valueEnd, ';received=192.0.2.7');
  const mf = msg.header('max-forwards')!;
  edits.replace(mf.valueStart, mf.valueEnd, '69');
  const text = buildReply(msg, 404, 'Not Found', { viaEdits: edits }).toString('latin1');
  assert.equal(
    text,
    lines(
      'SIP/2.0 404 Not Found',
      'Via: SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK-1;received=192.0.2.7',
      'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2',
      'From: <sip:alice@example.com>;tag=a1',
      'To: "Alice" <sip:alice@example.com>',
      'Call-ID: 1-2@10.0.0.1',
      'CSeq: 7 REGISTER',
      'Content-Length: 0',
    ).toString('latin1'),
  );
});

test('extra lines, Server, a body with its type and the Warning follow the copied lines', () => {
  const msg = parseMessage(request);
  const body = Buffer.from('v=0\r\n\xe9', 'latin1');
  const out = buildReply(msg, 488, 'Not Acceptable Here', {
    headers: ['Retry-After: 60', 'X-\xe9: 1'],
    server: 'Server: ser',
    warning: 'Warning: 392 1.2.3.4:5060 "x"',
    body,
    contentType: 'application/sdp',
  });
  const text = out.toString('latin1');
  assert.ok(
    text.endsWith(
      'CSeq: 7 REGISTER\r\nRetry-After: 60\r\nX-\xe9: 1\r\nServer: ser\r\nContent-Type: application/sdp\r\n' +
        `Content-Length: ${body.length}\r\nWarning: 392 1.2.3.4:5060 "x"\r\n\r\nv=0\r\n\xe9`,
    ),
    text,
  );
  assert.equal(out.length, Buffer.byteLength(text, 'latin1'), 'no byte left unwritten');
});
