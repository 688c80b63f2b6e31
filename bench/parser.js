// Micro-benchmark of the SIP message layer: ns/op for parseMessage, parseMessage + checkRequest,
// and a few typed accessors. Bounded: at most 2M iterations and 1.5 s per case. Run after building:
//   npx tsc -p . && node bench/parser.js
import { frameStream, parseMessage } from '../dist/src/sip/parser/message.js';
import { parseUri } from '../dist/src/sip/parser/uri.js';
import { checkRequest } from '../dist/src/sip/validate.js';

// A typical ~400-byte OPTIONS as a softphone sends it.
const OPTIONS = Buffer.from(
  'OPTIONS sip:alice@example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n' +
    'Max-Forwards: 70\r\n' +
    'To: <sip:alice@example.com>\r\n' +
    'From: "Bob" <sip:bob@example.org>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710@pc33.example.org\r\n' +
    'CSeq: 63104 OPTIONS\r\n' +
    'Contact: <sip:bob@192.0.2.10:5060;transport=udp>\r\n' +
    'Accept: application/sdp\r\n' +
    'User-Agent: ExamplePhone/1.2.3\r\n' +
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\r\n' +
    'Content-Length: 0\r\n' +
    '\r\n',
  'latin1',
);

// An INVITE with an SDP body, as a UDP datagram and on a stream.
const INVITE = Buffer.from(
  'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n' +
    'Max-Forwards: 70\r\n' +
    'To: Bob <sip:bob@biloxi.example.com>\r\n' +
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
    'CSeq: 314159 INVITE\r\n' +
    'Contact: <sip:alice@pc33.atlanta.example.com>\r\n' +
    'Content-Type: application/sdp\r\n' +
    'Content-Length: 142\r\n' +
    '\r\n' +
    'v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n',
  'latin1',
);

const MAX_ITERS = 2_000_000;
const MAX_MS = 1500;

let sink = 0;

function bench(name, fn) {
  // warm-up so the JIT has optimised fn before timing
  for (let i = 0; i < 20_000; i++) sink ^= fn() ? 1 : 0;
  let iters = 0;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(MAX_MS) * 1_000_000n;
  let now = t0;
  while (iters < MAX_ITERS) {
    for (let i = 0; i < 1000; i++) sink ^= fn() ? 1 : 0;
    iters += 1000;
    now = process.hrtime.bigint();
    if (now > deadline) break;
  }
  const ns = Number(now - t0) / iters;
  console.log(`${name.padEnd(48)} ${ns.toFixed(0).padStart(6)} ns/op  (${iters} iterations)`);
}

// This machine's speed, to compare figures across machines: one iteration of a trivial integer
// loop takes about 0.3 ns on a current 3+ GHz x86 core.
function calibrate() {
  let x = 0;
  const n = 50_000_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) x = (x + i * 7) | 0;
  const ns = Number(process.hrtime.bigint() - t0) / n;
  sink ^= x;
  return ns;
}
calibrate();
console.log(`node ${process.version}; calibration: ${calibrate().toFixed(2)} ns per trivial loop iteration (~0.3 on a current x86 core)`);
console.log(`OPTIONS: ${OPTIONS.length} bytes; INVITE: ${INVITE.length} bytes with SDP`);
bench('parseMessage', () => parseMessage(OPTIONS).headers.length);
bench('parseMessage + checkRequest', () => checkRequest(parseMessage(OPTIONS)) === undefined);
bench('parseMessage + via1', () => parseMessage(OPTIONS).via1.branch);
bench('parseMessage + cseq', () => parseMessage(OPTIONS).cseq.seq);
bench('parseMessage + from', () => parseMessage(OPTIONS).from.tag);
bench('parseMessage + callId', () => parseMessage(OPTIONS).callId);
bench('parseMessage + uri', () => parseMessage(OPTIONS).uri.host);
bench('parseMessage + vias + routes + contacts', () => {
  const m = parseMessage(OPTIONS);
  return m.vias.length + m.routes.length + m.contacts.length;
});
bench('parseUri sip:bob@192.0.2.10:5060;transport=udp', () => parseUri('sip:bob@192.0.2.10:5060;transport=udp').port);
bench('INVITE: parseMessage + checkRequest', () => checkRequest(parseMessage(INVITE)) === undefined);
bench('INVITE: frameStream + parse(stream) + check', () => {
  const f = frameStream(INVITE, 0, 65536);
  return f.kind === 'message' && checkRequest(parseMessage(INVITE.subarray(f.start, f.end), 'stream')) === undefined;
});
if (sink === 42) console.log('');
