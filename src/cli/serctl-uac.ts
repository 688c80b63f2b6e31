// serctl ping <uri> and cisco_restart <uri>: requests the server itself sends, through tm's
// FIFO command t_uac_dlg (admin guide Table 6-2): method, Request-URI, outbound URI ("." for
// none), header lines ended by ".", body lines ended by ".". ping sends OPTIONS; cisco_restart
// sends NOTIFY with "Event: check-sync", which makes a Cisco phone reload its configuration.
// The FIFO reply carries the final response's status: 2xx is success.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { SerctlContext } from './serctl-context.js';
import { SerctlError } from './serctl-env.js';
import { checkUri } from './serctl-usrloc.js';

const UAC_TIMEOUT_MS = 40_000;

/** The t_uac_dlg parameter lines for `method` to `uri`, From sip:daemon@`domain`. */
export function uacParams(method: 'OPTIONS' | 'NOTIFY', uri: string, domain: string, callId: string): string[] {
  const headers = [
    `From: <sip:daemon@${domain}>;tag=${randomBytes(6).toString('hex')}`,
    `To: <${uri}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
  ];
  if (method === 'NOTIFY') headers.push('Event: check-sync', `Contact: <sip:daemon@${domain}>`);
  return [method, uri, '.', ...headers, '.', '.'];
}

export async function cmdUac(ctx: SerctlContext, method: 'OPTIONS' | 'NOTIFY', uri: string | undefined): Promise<number> {
  const cmd = method === 'OPTIONS' ? 'ping' : 'cisco_restart';
  if (uri === undefined) throw new SerctlError(`${cmd} needs a URI: serctl ${cmd} sip:user@host`, true);
  if (!checkUri(uri)) throw new SerctlError(`${uri} is not a valid URI: expected sip:[user@]host[:port], e.g. sip:phone@192.0.2.7`, true);
  const domain = ctx.e.env['SIP_DOMAIN'] || os.hostname();
  const callId = `${randomBytes(8).toString('hex')}.${process.pid}@${os.hostname()}`;
  // the reply comes with the final response: up to Timer F (64*T1 = 32 s) when nobody answers
  const r = await ctx.fifoCmd('t_uac_dlg', uacParams(method, uri, domain, callId), Math.max(ctx.fifoTimeoutMs, UAC_TIMEOUT_MS));
  // the whole reply, status line included: "200 OK" is the answer to a ping
  ctx.out(r.raw === '' || r.raw.endsWith('\n') ? r.raw : r.raw + '\n');
  return r.code >= 200 && r.code < 300 ? 0 : 1;
}
