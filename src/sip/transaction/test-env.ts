import { parseMessage, type SipMessage } from '../parser/message.js';
import type { Hop, TxEnv } from './env.js';
import { FakeTimers } from './timers.js';

/** A transaction environment for unit tests: a fake clock, and every send recorded with its time. */
export class RecordingEnv implements TxEnv {
  readonly timers = new FakeTimers();
  readonly t1 = 500;
  readonly t2 = 4000;
  readonly t4 = 5000;
  readonly sent: { at: number; text: string }[] = [];
  sendOk = true;

  send(buf: Buffer, _hop: Hop): boolean {
    this.sent.push({ at: this.timers.now(), text: buf.toString('latin1') });
    return this.sendOk;
  }

  /** times at which something starting with `prefix` was sent */
  times(prefix: string): number[] {
    return this.sent.filter((s) => s.text.startsWith(prefix)).map((s) => s.at);
  }
}

export const HOP: Hop = { dest: { proto: 'udp', ip: '127.0.0.1', port: 5070 } };

export function response(status: number, method = 'INVITE'): SipMessage {
  return parseMessage(
    Buffer.from(
      `SIP/2.0 ${status} X\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKt1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n` +
        `Call-ID: c\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`,
      'latin1',
    ),
  );
}
