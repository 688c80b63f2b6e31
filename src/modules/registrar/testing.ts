// Support for the registrar's unit tests (not used by the server): a core that records the
// replies it is asked to send, requests parsed from text, and a registrar state over a usrloc
// with a hand-driven clock.

import { RequestContext } from '../../script/context.js';
import type { Core } from '../../script/core-api.js';
import type { ParamValue } from '../../script/module-api.js';
import { parseMessage } from '../../sip/parser/message.js';
import type { ReceiveInfo, SocketInfo } from '../../sip/transport/socket-info.js';
import { MemoryBackend } from '../usrloc/backend.js';
import { manualClock, type ManualClock } from '../usrloc/clock.js';
import { Usrloc, type UsrlocOptions } from '../usrloc/usrloc.js';
import { registrarConfig, type RegistrarState } from './config.js';

export interface SentReply {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly string[];
}

export interface FakeCore {
  readonly core: Core;
  readonly replies: SentReply[];
  readonly logs: string[];
}

export function fakeCore(): FakeCore {
  const replies: SentReply[] = [];
  const logs: string[] = [];
  const log = {
    err: (m: string) => logs.push('ERR ' + m),
    warn: (m: string) => logs.push('WARN ' + m),
    notice: (m: string) => logs.push('NOTICE ' + m),
    info: (m: string) => logs.push('INFO ' + m),
    dbg: (m: string) => logs.push('DBG ' + m),
  };
  const core = {
    log,
    reply: (_ctx: RequestContext, status: number, reason: string, headers?: readonly string[]) => {
      replies.push({ status, reason, headers: [...(headers ?? [])] });
      return true;
    },
  } as unknown as Core;
  return { core, replies, logs };
}

export const SOCKET: SocketInfo = {
  id: 7,
  proto: 'udp',
  address: '192.0.2.1',
  port: 5060,
  family: 4,
  name: '192.0.2.1',
  viaHost: '192.0.2.1',
  viaPort: 5060,
  hostport: '192.0.2.1:5060',
};

export function receiveInfo(srcIp = '198.51.100.7', srcPort = 5062): ReceiveInfo {
  return { proto: 'udp', srcIp, srcPort, socket: SOCKET };
}

export interface RegisterSpec {
  /** To URI (default sip:alice@example.com) */
  to?: string;
  callId?: string;
  cseq?: number;
  /** one Contact header field each */
  contacts?: string[];
  /** Expires header field value */
  expires?: number | string;
  userAgent?: string;
  extra?: string[];
}

/** A REGISTER request's text. */
export function registerText(s: RegisterSpec = {}): string {
  const to = s.to ?? 'sip:alice@example.com';
  const lines = [
    'REGISTER sip:example.com SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-reg-' + (s.cseq ?? 1),
    'Max-Forwards: 70',
    `From: <${to}>;tag=from1`,
    `To: <${to}>`,
    `Call-ID: ${s.callId ?? 'reg-call-1@198.51.100.7'}`,
    `CSeq: ${s.cseq ?? 1} REGISTER`,
  ];
  for (const c of s.contacts ?? []) lines.push(`Contact: ${c}`);
  if (s.expires !== undefined) lines.push(`Expires: ${s.expires}`);
  if (s.userAgent !== undefined) lines.push(`User-Agent: ${s.userAgent}`);
  lines.push(...(s.extra ?? []), 'Content-Length: 0', '', '');
  return lines.join('\r\n');
}

/** An INVITE for `ruri`. */
export function inviteText(ruri: string): string {
  return [
    `INVITE ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-inv-1',
    'Max-Forwards: 70',
    'From: <sip:bob@example.org>;tag=b1',
    `To: <${ruri}>`,
    'Call-ID: inv-call-1@203.0.113.5',
    'CSeq: 1 INVITE',
    'Contact: <sip:bob@203.0.113.5>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export function contextFor(core: Core, text: string, rcv: ReceiveInfo = receiveInfo()): RequestContext {
  return new RequestContext(core, parseMessage(Buffer.from(text, 'latin1')), rcv);
}

export interface Harness extends FakeCore {
  readonly ul: Usrloc;
  readonly st: RegistrarState;
  readonly time: ManualClock;
  /** a context for a REGISTER with these fields */
  reg(s?: RegisterSpec): RequestContext;
  /** a context for an INVITE to `ruri` */
  invite(ruri: string): RequestContext;
  /** the last reply sent */
  last(): SentReply;
}

/** A registrar over a fresh usrloc: registrar parameters `params` (modparam values), usrloc options `ulOpts`. */
export function harness(params: Record<string, ParamValue> = {}, ulOpts: Partial<UsrlocOptions> = {}): Harness {
  const fc = fakeCore();
  const time = manualClock();
  const ul = new Usrloc({ useDomain: false, descTimeOrder: false, timerInterval: 60, ...ulOpts }, time.clock, new MemoryBackend());
  const st: RegistrarState = { ul, cfg: registrarConfig(params, ul), log: fc.core.log };
  return {
    ...fc,
    ul,
    st,
    time,
    reg: (s) => contextFor(fc.core, registerText(s)),
    invite: (ruri) => contextFor(fc.core, inviteText(ruri)),
    last: () => {
      const r = fc.replies[fc.replies.length - 1];
      if (!r) throw new Error('no reply was sent');
      return r;
    },
  };
}
