// What our server, acting as a proxy, does with each RFC 4475 torture message
// (test/fixtures/rfc4475/*.sip, verdicts and sources in test/fixtures/rfc4475/INDEX.md):
//   accept - parseMessage succeeds and checkRequest returns undefined / checkResponse returns true;
//   reject - a request answered with `status` (from checkRequest, or from the SipParseError that
//            parseMessage throws when the framing itself is broken);
//   drop   - a response silently discarded (checkResponse returns false, or it does not parse).
// `stream` is what frameStream makes of the same bytes on a TCP connection (default 'message').

export type Verdict = 'accept' | 'reject' | 'drop';

export interface Expectation {
  name: string;
  section: string;
  verdict: Verdict;
  status?: number;
  stream?: 'message' | 'incomplete' | 'error';
  note: string;
}

export const EXPECTATIONS: readonly Expectation[] = [
  // §3.1.1 valid messages: the parser must accept them.
  { name: 'wsinv', section: '3.1.1.1', verdict: 'accept', note: 'Folding, LWS around every separator, compact forms, leading zeros (0068, 0009), unknown headers kept opaque.' },
  { name: 'intmeth', section: '3.1.1.2', verdict: 'accept', note: 'Unknown method made of token chars; quoted-pairs NUL/BEL/DEL in the To display name; UTF-8 param value. Routing (forward or 404) is not the validator\'s business.' },
  { name: 'esc01', section: '3.1.1.3', verdict: 'accept', note: '%HH kept as written; unescaping is one level: n%61me=v%61lue%25%34%31 is name=value%41.' },
  { name: 'escnull', section: '3.1.1.4', verdict: 'accept', note: '%00 in user parts is kept, not a terminator: two distinct contacts.' },
  { name: 'esc02', section: '3.1.1.5', verdict: 'accept', note: 'RE%47IST%45R is an unknown method (not REGISTER) and its CSeq matches; C%6Fntact is an unknown header.' },
  { name: 'lwsdisp', section: '3.1.1.6', verdict: 'accept', note: 'caller<sip:...>: token display name with no LWS before <.' },
  { name: 'longreq', section: '3.1.1.7', verdict: 'accept', note: 'Long values and 34 Via values; well inside our caps (256 fields, 64 KiB head).' },
  { name: 'dblreq', section: '3.1.1.8', verdict: 'accept', note: 'REGISTER with Content-Length: 0; the trailing INVITE octets are not part of the message (RFC 3261 §18.3).' },
  { name: 'semiuri', section: '3.1.1.9', verdict: 'accept', note: 'R-URI user part is user;par=u%40example.net, no uri-parameters.' },
  { name: 'transports', section: '3.1.1.10', verdict: 'accept', note: 'UDP, SCTP, TLS, UNKNOWN, TCP transports all parse.' },
  { name: 'mpart01', section: '3.1.1.11', verdict: 'accept', note: 'Binary multipart body framed strictly by Content-Length.' },
  { name: 'unreason', section: '3.1.1.12', verdict: 'accept', note: 'Response; UTF-8 reason phrase kept as bytes.' },
  { name: 'noreason', section: '3.1.1.13', verdict: 'accept', note: 'Response "SIP/2.0 100 " with an empty reason phrase.' },

  // §3.1.2 invalid messages.
  { name: 'badinv01', section: '3.1.2.1', verdict: 'reject', status: 400, note: 'Stray ; and , in Via and ; in Contact: empty parameters / values are not skipped.' },
  { name: 'clerr', section: '3.1.2.2', verdict: 'reject', status: 400, stream: 'incomplete', note: 'Content-Length 9999 > datagram: parseMessage throws E_CONTENT_LENGTH (400, with the parsed head in `partial`). Over TCP frameStream waits; the transport\'s read timeout closes the connection.' },
  { name: 'ncl', section: '3.1.2.3', verdict: 'reject', status: 400, stream: 'error', note: 'Content-Length -999: parse error 400 over UDP; over TCP an unrecoverable framing error (close).' },
  { name: 'scalar02', section: '3.1.2.4', verdict: 'reject', status: 400, note: 'CSeq 36893488147419103232 > 2**32-1. (Max-Forwards 300 alone would be treated as absent; the contact expires alone would be reported as absent.)' },
  { name: 'scalarlg', section: '3.1.2.5', verdict: 'drop', note: 'Response with CSeq > 2**32-1: discarded.' },
  { name: 'quotbal', section: '3.1.2.6', verdict: 'reject', status: 400, note: 'Unterminated quoted display name in To. We reject rather than infer the closing quote: a guess a proxy would then forward.' },
  { name: 'ltgtruri', section: '3.1.2.7', verdict: 'reject', status: 400, note: '<sip:...> as Request-URI: not a URI.' },
  { name: 'lwsruri', section: '3.1.2.8', verdict: 'reject', status: 400, note: 'Request-URI "sip:user@example.com; lr" holds LWS: the start line is split at the first and last SP, so it stays one malformed URI (400, not 505).' },
  { name: 'lwsstart', section: '3.1.2.9', verdict: 'reject', status: 400, note: 'RFC: "acceptable to reject" (no code named). We reject with 400: accepting would mean rewriting the start line before forwarding (the RFC forbids forwarding the extra SP).' },
  { name: 'trws', section: '3.1.2.10', verdict: 'reject', status: 400, note: 'Trailing SP after SIP/2.0; same choice and reason as lwsstart.' },
  { name: 'escruri', section: '3.1.2.11', verdict: 'reject', status: 400, note: 'Escaped headers (?Route=...) in the Request-URI: RFC allows rejecting; we do (400 from checkRequest, not from parseUri) rather than strip them, since a proxy must neither forward nor apply them.' },
  { name: 'baddate', section: '3.1.2.12', verdict: 'accept', note: 'Date with EST instead of GMT: RFC says may reject but should not unless Date matters. A proxy does not use Date; we do not parse it.' },
  { name: 'regbadct', section: '3.1.2.13', verdict: 'reject', status: 400, note: 'Contact addr-spec with ?headers must be in <> (RFC 3261 §20.10). We reject instead of inferring the brackets.' },
  { name: 'badaspec', section: '3.1.2.14', verdict: 'reject', status: 400, note: '"< sip:t.watson@example.org >": SP inside <>. We reject (400 reasonable per RFC) instead of ignoring the spaces.' },
  { name: 'baddn', section: '3.1.2.15', verdict: 'reject', status: 400, stream: 'incomplete', note: 'Unquoted "Bell, Alexander" display names. We reject instead of inferring quotes. (This fixture has no empty line; as a datagram we read it as a body-less message, on a stream it is still incomplete.)' },
  { name: 'badvers', section: '3.1.2.16', verdict: 'reject', status: 505, note: 'SIP/7.0: 505 Version Not Supported.' },
  { name: 'mismatch01', section: '3.1.2.17', verdict: 'reject', status: 400, note: 'OPTIONS with CSeq method INVITE.' },
  { name: 'mismatch02', section: '3.1.2.18', verdict: 'reject', status: 501, note: 'Unknown method NEWMETHOD with CSeq INVITE: the RFC prefers 501 Not Implemented.' },
  { name: 'bigcode', section: '3.1.2.19', verdict: 'drop', note: 'Status code 4294967301 (> 699): the status line is read, checkResponse drops it.' },

  // §3.2 transaction layer.
  { name: 'badbranch', section: '3.2.1', verdict: 'accept', note: 'branch=z9hG4bK with nothing after: RFC allows 400 or RFC 2543 matching; we accept (syntax is fine) and leave transaction matching to the transaction layer.' },

  // §3.3 application layer.
  { name: 'insuf', section: '3.3.1', verdict: 'reject', status: 400, note: 'No Call-ID, From or To (RFC 3261 §8.1.1).' },
  { name: 'unkscm', section: '3.3.2', verdict: 'reject', status: 416, note: 'Parses as an absoluteURI; a proxy answers 416 Unsupported URI Scheme.' },
  { name: 'novelsc', section: '3.3.3', verdict: 'reject', status: 416, note: 'soap.beep: parses; we never accept this scheme in a Request-URI, so 416.' },
  { name: 'unksm2', section: '3.3.4', verdict: 'accept', note: 'isbn:/http:/name: URIs in To/From/Contact parse; a proxy treats it as any request (a registrar would 400).' },
  { name: 'bext01', section: '3.3.5', verdict: 'reject', status: 420, note: 'As a proxy: 420 Bad Extension with Unsupported listing the Proxy-Require tokens (RFC 3261 §16.3 item 5); Require is the UAS\'s business.' },
  { name: 'invut', section: '3.3.6', verdict: 'accept', note: 'Unknown Content-Type: a proxy forwards it (only an endpoint would answer 415).' },
  { name: 'regaut01', section: '3.3.7', verdict: 'accept', note: 'Unknown Authorization scheme: a proxy forwards it unmodified.' },
  { name: 'multi01', section: '3.3.8', verdict: 'reject', status: 400, note: 'Repeated Call-ID, To, From, Max-Forwards, CSeq: 400 (RFC 3261 §7.3.1).' },
  {
    name: 'mcl01',
    section: '3.3.9',
    verdict: 'reject',
    status: 400,
    stream: 'error',
    note:
      'INDEX.md marks this row with a dagger. Looked up (search tool, code corpus): the RFC 4475 §3.3.9 text is quoted in full in a ' +
      'third-party SIP stack\'s RFC 4475 test ("An element receiving this message should respond with an error. This request appeared ' +
      'over UDP, so the remainder of the datagram can simply be discarded. If a request like this arrives over TCP, the framing error ' +
      'is not recoverable, and the connection should be closed."; the index did not name that repository), and the UDP/TCP sentences ' +
      'also in 0xInfection/SIPTorch modules/application/multicl.py. So an error response is a "should" and no status code is named. ' +
      'We answer 400 (conflicting Content-Length: parseMessage throws E_CONTENT_LENGTH with the head in `partial`, so a stateless 400 ' +
      'can be sent); over TCP frameStream reports an error and the connection is closed.',
  },
  { name: 'bcast', section: '3.3.10', verdict: 'drop', note: '200 OK whose second Via sent-by is 255.255.255.255: a proxy drops it rather than broadcast it.' },
  { name: 'zeromf', section: '3.3.11', verdict: 'accept', note: 'Max-Forwards: 0 is legal; the 483 is the proxy\'s Max-Forwards step (maxfwd module), not request validation.' },
  { name: 'cparam01', section: '3.3.12', verdict: 'accept', note: 'Contact without <>: ;unknownparam is a contact (header) param, not a URI param.' },
  { name: 'cparam02', section: '3.3.13', verdict: 'accept', note: 'Contact <...;unknownparam>: a URI param.' },
  { name: 'regescrt', section: '3.3.14', verdict: 'accept', note: 'Contact <sip:...?Route=%3C...%3E>: escaped header allowed inside <> in a Contact.' },
  { name: 'sdp01', section: '3.3.15', verdict: 'accept', note: 'Accept: text/nobodyKnowsThis: an endpoint\'s problem (406/400); a proxy forwards.' },

  // §3.4 backward compatibility.
  { name: 'inv2543', section: '3.4.1', verdict: 'accept', stream: 'error', note: 'RFC 2543 INVITE: no branch, no From tag, no Content-Length (datagram body = rest), no Max-Forwards. Over TCP the missing Content-Length is a framing error (RFC 3261 §18.3).' },
];
