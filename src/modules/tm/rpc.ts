// tm's management commands (admin guide Table 6-2): t_stats, t_hash and t_uac_dlg, with the
// output of SER 0.8's tm (t_stats.c print_stats, the fifo_hash table, t_fifo.c's fifo_uac).

import { randomBytes } from 'node:crypto';
import { RpcError, lineArg, type RpcArgs, type RpcRegistry } from '../../script/rpc.js';
import { parseUri } from '../../sip/parser/uri.js';
import type { Tm } from './tm.js';
import { sendRequest } from './uac.js';

/** SER 0.8's t_stats (admin guide Example 5-2), trailing blanks left out. */
export function formatTmStats(tm: Tm): string {
  const s = tm.stats;
  const c = s.completed;
  return (
    `Current: ${s.current} (${s.waiting} waiting) Total: ${s.total} (${s.local} local)\n` +
    `Replied localy: ${s.repliedLocally}\n` +
    `Completion status 6xx: ${c[6]}, 5xx: ${c[5]}, 4xx: ${c[4]}, 3xx: ${c[3]},2xx: ${c[2]}\n`
  );
}

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const HEADER = /^([A-Za-z0-9.!%*_+`'~-]+)[ \t]*:(.*)$/;

/** The header lines of t_uac_dlg, checked: From and To present, a From-tag added when missing. */
export function uacHeaders(method: string, lines: readonly string[], hasBody: boolean): string[] {
  const out: string[] = [];
  let from = false;
  let to = false;
  let ctype = false;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    // Example 4-10 has an empty line among the header fields
    if (line.trim() === '') continue;
    const m = HEADER.exec(line);
    if (!m) throw new RpcError(400, `t_uac_dlg: bad header field '${line}'`);
    const name = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (name === 'from' || name === 'f') {
      if (from) throw new RpcError(400, 't_uac_dlg: more than one From header field');
      from = true;
      // SER: "If CSeq, CallId and From-tag are not present, ephemeral values are generated"
      const params = value.includes('>') ? value.slice(value.lastIndexOf('>')) : value;
      if (!/;\s*tag\s*=/i.test(params)) {
        out.push(`${m[1]}: ${value};tag=${randomBytes(8).toString('hex')}`);
        continue;
      }
    } else if (name === 'to' || name === 't') {
      if (to) throw new RpcError(400, 't_uac_dlg: more than one To header field');
      to = true;
    } else if (name === 'content-type' || name === 'c') {
      ctype = true;
    } else if (name === 'cseq') {
      const cs = /^(\d{1,10})\s+(\S+)$/.exec(value);
      if (!cs) throw new RpcError(400, `t_uac_dlg: bad CSeq '${value}'`);
      if (cs[2] !== method) throw new RpcError(400, `t_uac_dlg: the CSeq method '${cs[2]}' is not the request's '${method}'`);
    }
    out.push(line);
  }
  if (!from || !to) throw new RpcError(400, 't_uac_dlg: From and To header fields are required');
  if (hasBody && !ctype) throw new RpcError(400, 't_uac_dlg: Content-Type is required when a body is given');
  return out;
}

function linesArg(a: RpcArgs, name: string): readonly string[] {
  const v = a[name];
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : v;
}

export function registerTmCommands(rpc: RpcRegistry, tm: Tm): void {
  rpc.register({
    name: 't_stats',
    method: 'tm.stats',
    params: [],
    doc: 'transactions now and since start, replies generated here, completions by class (serctl monitor)',
    run: () => ({ text: formatTmStats(tm), value: tm.stats.snapshot() }),
  });

  rpc.register({
    name: 't_hash',
    method: 'tm.hash',
    params: [],
    doc: "occupation of the transaction table: SER printed one line per hash bucket; here one table (a Map), so one line",
    run: () => {
      const current = tm.stats.current;
      const total = tm.stats.total;
      return {
        text: `\tcurrent\ttotal\n0.\t${current}\t${total}\n`,
        value: { entries: [{ index: 0, current, total }], server_transactions: tm.server.size, client_transactions: tm.client.size },
      };
    },
  });

  rpc.register({
    name: 't_uac_dlg',
    method: 'tm.uac_dlg',
    params: [
      { name: 'method', doc: 'the request method: NOTIFY, MESSAGE, OPTIONS...' },
      { name: 'ruri', doc: 'the Request-URI' },
      { name: 'outbound', doc: 'where to send it instead of the Request-URI, or "." for the Request-URI' },
      { name: 'headers', kind: 'lines', doc: 'header fields, From and To required (CSeq, Call-ID, From-tag generated when missing; Content-Type required with a body)' },
      { name: 'body', kind: 'lines', optional: true, doc: 'the message body' },
    ],
    doc: 'send a request statefully and answer with the status line of its final response (Example 4-10); 408 when nobody answered',
    run: async (a) => {
      const method = lineArg(a, 'method').trim();
      if (!TOKEN.test(method)) throw new RpcError(400, `t_uac_dlg: bad method '${method}'`);
      if (method === 'ACK' || method === 'CANCEL') throw new RpcError(400, `t_uac_dlg: cannot send ${method} as a transaction of its own`);
      const ruri = lineArg(a, 'ruri').trim();
      try {
        parseUri(ruri);
      } catch (e) {
        throw new RpcError(400, `t_uac_dlg: bad request URI '${ruri}': ${(e as Error).message}`);
      }
      const ob = lineArg(a, 'outbound').trim();
      const outbound = ob === '.' || ob === '' ? undefined : ob;
      if (outbound !== undefined) {
        try {
          parseUri(outbound);
        } catch (e) {
          throw new RpcError(400, `t_uac_dlg: bad outbound URI '${outbound}': ${(e as Error).message}`);
        }
      }
      const bodyLines = linesArg(a, 'body');
      // each line ends with CRLF, as lines of a SIP body do
      const body = bodyLines.length ? bodyLines.map((l) => l.replace(/\r$/, '') + '\r\n').join('') : undefined;
      const headers = uacHeaders(method, linesArg(a, 'headers'), body !== undefined);
      const r = await sendRequest(tm, { method, ruri, headers, body, outbound });
      const value: Record<string, unknown> = { status: r.status, reason: r.reason };
      let text = '';
      if (r.msg) {
        const msg = r.msg;
        const h = msg.headers.map((x) => msg.head.slice(x.start, x.end).replace(/\r?\n[ \t]+/g, ' ').replace(/\r?\n$/, ''));
        value.headers = h;
        text = h.join('\n') + '\n';
      }
      // SER's fifo_callback: the FIFO status line is the final response's
      return { code: r.status, reason: r.reason, text, value };
    },
  });
}
