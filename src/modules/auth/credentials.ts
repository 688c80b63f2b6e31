// Digest credentials from an Authorization or Proxy-Authorization header value
// (RFC 2617 §3.2.2, RFC 7616 §3.4, RFC 3261 §25.1 for the SIP grammar):
//   credentials     = "Digest" LWS digest-response
//   digest-response = dig-resp *(COMMA dig-resp)
//   dig-resp        = username / realm / nonce / digest-uri / dresponse / algorithm / cnonce
//                     / opaque / message-qop / nonce-count / auth-param
// Hostile input (the SIP CVE history: unterminated quotes, parameters without "=", thousands
// of parameters, huge values) is refused with a reason, never thrown past the caller.

/** At most this many parameters (a real client sends about ten). */
export const MAX_DIGEST_PARAMS = 32;
/** No value of ours is longer; SER's own limits were smaller still. */
export const MAX_DIGEST_VALUE = 512;

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** upper-cased; "MD5" when absent (RFC 2617 §3.2.1) */
  readonly algorithm: string;
  readonly cnonce: string | undefined;
  readonly opaque: string | undefined;
  /** "auth" (or another token) when the client used qop; undefined for RFC 2069 style */
  readonly qop: string | undefined;
  /** nonce-count as a number (8 hex digits on the wire) */
  readonly nc: number | undefined;
  /** the nonce-count's text as sent: it enters the hash as is */
  readonly ncText: string | undefined;
}

export type ParsedCredentials = { ok: true; cred: DigestCredentials } | { ok: false; reason: string };

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** Parses one header value; the scheme must be Digest. */
export function parseDigestCredentials(value: string): ParsedCredentials {
  if (value.length > 4096) return { ok: false, reason: 'credentials longer than 4096 bytes' };
  let p = 0;
  const end = value.length;
  while (p < end && isSpace(value.charCodeAt(p))) p++;
  const schemeEnd = p + 6;
  if (value.slice(p, schemeEnd).toLowerCase() !== 'digest' || (schemeEnd < end && !isSpace(value.charCodeAt(schemeEnd)))) {
    return { ok: false, reason: 'not Digest credentials' };
  }
  p = schemeEnd;
  const params = new Map<string, string>();
  let count = 0;
  for (;;) {
    while (p < end && isSpace(value.charCodeAt(p))) p++;
    if (p >= end) break;
    if (++count > MAX_DIGEST_PARAMS) return { ok: false, reason: `more than ${MAX_DIGEST_PARAMS} parameters` };
    const nameStart = p;
    while (p < end && value[p] !== '=' && value[p] !== ',' && !isSpace(value.charCodeAt(p))) p++;
    const name = value.slice(nameStart, p).toLowerCase();
    if (!TOKEN.test(name)) return { ok: false, reason: `bad parameter name '${name.slice(0, 40)}'` };
    while (p < end && isSpace(value.charCodeAt(p))) p++;
    if (value[p] !== '=') return { ok: false, reason: `parameter '${name}' without a value` };
    p++;
    while (p < end && isSpace(value.charCodeAt(p))) p++;
    let v: string;
    if (value[p] === '"') {
      // quoted-string with quoted-pairs
      p++;
      let out = '';
      let closed = false;
      while (p < end) {
        const c = value[p]!;
        if (c === '"') {
          closed = true;
          p++;
          break;
        }
        if (c === '\\') {
          if (p + 1 >= end) break;
          out += value[p + 1];
          p += 2;
          continue;
        }
        const code = c.charCodeAt(0);
        if (code < 32 && code !== 9) return { ok: false, reason: `control character in '${name}'` };
        out += c;
        p++;
      }
      if (!closed) return { ok: false, reason: `unterminated quoted value of '${name}'` };
      v = out;
    } else {
      const vs = p;
      while (p < end && value[p] !== ',' && !isSpace(value.charCodeAt(p))) p++;
      v = value.slice(vs, p);
      if (!TOKEN.test(v) && !/^[!-~]+$/.test(v)) return { ok: false, reason: `bad value of '${name}'` };
    }
    if (v.length > MAX_DIGEST_VALUE) return { ok: false, reason: `value of '${name}' longer than ${MAX_DIGEST_VALUE}` };
    if (params.has(name)) return { ok: false, reason: `parameter '${name}' given twice` };
    params.set(name, v);
    while (p < end && isSpace(value.charCodeAt(p))) p++;
    if (p >= end) break;
    if (value[p] !== ',') return { ok: false, reason: `expected ',' after '${name}'` };
    p++;
  }
  const need = (n: string): string | undefined => params.get(n);
  for (const n of ['username', 'realm', 'nonce', 'uri', 'response']) {
    if (need(n) === undefined) return { ok: false, reason: `missing '${n}'` };
  }
  const qop = params.get('qop');
  const ncText = params.get('nc');
  const cnonce = params.get('cnonce');
  let nc: number | undefined;
  if (qop !== undefined) {
    // RFC 2617 §3.2.2: with qop, cnonce and nc are required; nc is 8 hex digits
    if (cnonce === undefined || ncText === undefined) return { ok: false, reason: 'qop without cnonce or nc' };
    if (!/^[0-9a-fA-F]{8}$/.test(ncText)) return { ok: false, reason: 'nc is not 8 hex digits' };
    nc = parseInt(ncText, 16);
  }
  const response = params.get('response')!;
  if (!/^[0-9a-fA-F]+$/.test(response)) return { ok: false, reason: 'response is not hexadecimal' };
  return {
    ok: true,
    cred: {
      username: params.get('username')!,
      realm: params.get('realm')!,
      nonce: params.get('nonce')!,
      uri: params.get('uri')!,
      response: response.toLowerCase(),
      algorithm: (params.get('algorithm') ?? 'MD5').toUpperCase(),
      cnonce,
      opaque: params.get('opaque'),
      qop,
      nc,
      ncText,
    },
  };
}
