import { fork, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';
import type net from 'node:net';
import type { SocketInfo } from '../sip/transport/socket-info.js';
import { Logger } from '../util/logger.js';
import { parseArgv } from './argv.js';
import { SipServer } from './server.js';
import { load, makeLogSink } from './startup-config.js';

// workers=N: N processes serve the same sockets. The main process binds every socket, serves
// too, and hands the bound handles to N-1 worker processes (child_process IPC can pass dgram
// and net.Server handles); the kernel gives each datagram or connection to one of them.
// Stateless processing needs nothing shared. See docs/architecture.md for the measurements
// that decide when more than one process pays off.

const WORKER_ENV = 'SER_WORKER_NO';

type ToWorker =
  | { type: 'sockets'; list: SocketInfo[]; argv: string[]; file: string; source: string }
  | { type: 'udp'; id: number }
  | { type: 'tcp'; id: number }
  | { type: 'start' };
type FromWorker = { type: 'ready' } | { type: 'error'; text: string };

export function isWorkerProcess(): boolean {
  return process.env[WORKER_ENV] !== undefined;
}

export interface WorkerPool {
  stop(): Promise<void>;
  readonly pids: number[];
}

/** Start `count` workers serving `server`'s sockets; restart any that dies until stop(). */
export async function startWorkers(server: SipServer, count: number, log: Logger): Promise<WorkerPool> {
  const procs: (ChildProcess | undefined)[] = [];
  let stopping = false;
  const argv = process.argv.slice(2);
  const spawnOne = (no: number): Promise<void> =>
    new Promise((resolve) => {
      const child = fork(process.argv[1]!, argv, {
        env: { ...process.env, [WORKER_ENV]: String(no) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      procs[no - 1] = child;
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') resolve();
        else {
          log.err(`worker ${no}: ${m.text}`);
          resolve();
        }
      });
      child.on('exit', (code, sig) => {
        resolve();
        if (stopping) return;
        log.err(`worker ${no} (pid ${child.pid}) exited (${sig ?? code}); restarting it`);
        setTimeout(() => void spawnOne(no), 500).unref();
      });
      const send = (m: ToWorker, handle?: dgram.Socket | net.Server) => child.send(m, handle as never);
      // the config text goes along: a worker may run as a user that cannot read the file
      send({ type: 'sockets', list: [...server.socketList], argv, file: server.loaded.file, source: server.loaded.source });
      for (const u of server.transport.udp) send({ type: 'udp', id: u.info.id }, u.socket);
      for (const t of server.transport.tcpListeners) send({ type: 'tcp', id: t.info.id }, t.server);
      send({ type: 'start' });
    });
  await Promise.all(Array.from({ length: count }, (_, i) => spawnOne(i + 1)));
  return {
    get pids() {
      return procs.map((p) => p?.pid ?? 0);
    },
    stop: async () => {
      stopping = true;
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (!p || p.exitCode !== null) return resolve();
              p.once('exit', () => resolve());
              p.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** The worker side: receive the socket list and handles, then serve them with the same config. */
export async function runWorker(): Promise<void> {
  const no = Number(process.env[WORKER_ENV]);
  let list: SocketInfo[] = [];
  let argv: string[] = [];
  let text = { file: '', source: '' };
  const udp = new Map<number, dgram.Socket>();
  const tcp = new Map<number, net.Server>();
  // A handle starts reading as soon as it arrives, long before the server is ready: keep what
  // comes meanwhile (bounded) and hand it over once the server runs.
  const early: { buf: Buffer; ip: string; port: number; id: number }[] = [];
  const holders: [dgram.Socket, (b: Buffer, r: dgram.RemoteInfo) => void][] = [];
  const started = new Promise<void>((resolve) => {
    process.on('message', (m: ToWorker, handle?: unknown) => {
      if (m.type === 'sockets') {
        list = m.list;
        argv = m.argv;
        text = { file: m.file, source: m.source };
      } else if (m.type === 'udp') {
        const sock = handle as dgram.Socket;
        const hold = (buf: Buffer, r: dgram.RemoteInfo) => {
          if (early.length < 1000) early.push({ buf, ip: r.address, port: r.port, id: m.id });
        };
        sock.on('message', hold);
        holders.push([sock, hold]);
        udp.set(m.id, sock);
      }
      else if (m.type === 'tcp') tcp.set(m.id, handle as net.Server);
      else if (m.type === 'start') resolve();
    });
  });
  await started;
  const loaded = await load(parseArgv(argv), true, text);
  if (typeof loaded === 'number') process.exit(loaded);
  const log = new Logger(makeLogSink(loaded.core).sink, loaded.core.debug, no);
  const server = new SipServer(loaded, { log, sockets: list, inherited: { udp, tcp } });
  try {
    await server.start();
  } catch (e) {
    process.send?.({ type: 'error', text: (e as Error).message } satisfies FromWorker);
    process.exit(1);
  }
  // still in the same turn as the end of start(): nothing can have slipped between
  for (const [sock, hold] of holders) sock.off('message', hold);
  for (const e of early.splice(0)) {
    const socket = list.find((s) => s.id === e.id)!;
    server.receive(e.buf, { proto: 'udp', srcIp: e.ip, srcPort: e.port, socket });
  }
  process.send?.({ type: 'ready' } satisfies FromWorker);
  process.on('SIGTERM', () => {
    void server.stop().then(() => process.exit(0));
  });
  process.on('SIGINT', () => undefined);
  // the IPC channel must not keep a worker alive after its parent is gone
  process.on('disconnect', () => process.exit(0));
}
