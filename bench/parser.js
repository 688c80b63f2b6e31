// Micro-benchmark of the SIP message layer: ns/op for parseMessage, parseMessage + checkRequest,
// and a few typed accessors. Bounded in iterations and in time. Run after building:
//   npx tsc -p . && node bench/parser.js
import { parseMessage } from '../dist/src/sip/parser/message.js';
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
  console.log(`${name.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns/op  (${iters} iterations)`);
}

console.log(`message: ${OPTIONS.length} bytes OPTIONS; node ${process.version}`);
bench('parseMessage', () => parseMessage(OPTIONS).headers.length);
bench('parseMessage + checkRequest', () => checkRequest(parseMessage(OPTIONS)) === undefined);
bench('parseMessage + via1', () => parseMessage(OPTIONS).via1.branch);
bench('parseMessage + cseq', () => parseMessage(OPTIONS).cseq.seq);
bench('parseMessage + from', () => parseMessage(OPTIONS).from.tag);
bench('parseMessage + callId', () => parseMessage(OPTIONS).callId);
bench('parseMessage + uri', () => parseMessage(OPTIONS).uri.host);
bench('parseUri sip:bob@192.0.2.10:5060;transport=udp', () => parseUri('sip:bob@192.0.2.10:5060;transport=udp').port);
if (sink === 42) console.log('');
