// The core's management commands (admin guide Table 6-2): ps, which, arg, pwd, version,
// uptime, print, with the output SER's FIFO server printed.

import type { RpcRegistry } from '../script/rpc.js';
import { lineArg } from '../script/rpc.js';
import type { SocketInfo } from '../sip/transport/socket-info.js';

/** SER's ctime() shape: "Fri Dec  6 17:56:10 2002". */
export function ctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

export interface CoreCommandSource {
  readonly serverHeader: string;
  readonly startedAt: Date;
  readonly socketList: readonly SocketInfo[];
  /** pids of worker processes (workers=N), besides this one */
  workerPids(): readonly number[];
  /** the FIFO file when the FIFO server runs */
  readonly fifoPath: string | undefined;
}

export function registerCoreCommands(rpc: RpcRegistry, s: CoreCommandSource, now: () => Date = () => new Date()): void {
  rpc.register({
    name: 'ps',
    method: 'core.ps',
    params: [],
    doc: 'the processes and what each does (Example 3-3); one event loop does what SER\'s children did',
    run: () => {
      const lines: string[] = [];
      let n = 0;
      lines.push(`${n++} ${process.pid} attendant`);
      s.socketList.forEach((sock, i) => lines.push(`${n++} ${process.pid} receiver child=0 sock=${i} @ ${sock.address}::${sock.port} ${sock.proto}`));
      for (const pid of s.workerPids()) lines.push(`${n++} ${pid} receiver (worker process)`);
      if (s.fifoPath) lines.push(`${n++} ${process.pid} fifo server`);
      lines.push(`${n++} ${process.pid} timer`);
      return { text: lines.join('\n') + '\n', value: lines.map((l) => { const [idx, pid, ...what] = l.split(' '); return { idx: Number(idx), pid: Number(pid), what: what.join(' ') }; }) };
    },
  });
  rpc.register({
    name: 'which',
    method: 'core.which',
    params: [],
    doc: 'the commands available',
    run: () => {
      const names = rpc.list().map((c) => c.name);
      return { text: names.join('\n') + '\n', value: names };
    },
  });
  rpc.register({
    name: 'arg',
    method: 'core.arg',
    params: [],
    doc: 'the command line ser was started with',
    run: () => {
      const argv = [process.argv[1] ?? 'ser', ...process.argv.slice(2)];
      return { text: argv.join('\n') + '\n', value: argv };
    },
  });
  rpc.register({
    name: 'pwd',
    method: 'core.pwd',
    params: [],
    doc: 'the working directory',
    run: () => ({ text: process.cwd() + '\n', value: process.cwd() }),
  });
  rpc.register({
    name: 'version',
    method: 'core.version',
    params: [],
    doc: 'the server version',
    run: () => ({ text: s.serverHeader + '\n', value: s.serverHeader.replace(/^Server: /, '') }),
  });
  rpc.register({
    name: 'uptime',
    method: 'core.uptime',
    params: [],
    doc: 'running time (Example 4-6)',
    run: () => {
      const n = now();
      const up = Math.floor((n.getTime() - s.startedAt.getTime()) / 1000);
      return {
        text: `Now: ${ctime(n)}\nUp Since: ${ctime(s.startedAt)}\nUp time: ${up} [sec]\n`,
        value: { now: n.toISOString(), up_since: s.startedAt.toISOString(), uptime: up },
      };
    },
  });
  rpc.register({
    name: 'print',
    method: 'core.print',
    params: [{ name: 'text', doc: 'a line to echo' }],
    doc: 'echo a line back (for testing the interface)',
    run: (a) => {
      const t = lineArg(a, 'text');
      return { text: t + '\n', value: t };
    },
  });
}
