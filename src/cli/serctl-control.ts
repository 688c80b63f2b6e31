// serctl start, stop, restart (SER's serctl: "ser -P $PID_FILE", "kill `cat $PID_FILE`").
//
// start runs this package's `ser` (bin/ser.js, with the Node running serctl) in the background
// with `-P <pid file>` and the config given by -f / SER_CFG / ./ser.cfg (else ser's own default),
// plus the options of SER_START_OPTIONS (e.g. "-dd"), and waits until ser says it is ready.
// stop sends SIGTERM to the pid in the pid file and waits (10 s) until that process is gone.
// The pid file: SER_PID_FILE, default /tmp/ser.pid.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SerctlContext } from './serctl-context.js';
import { DEFAULT_CFG, pidFile, SerctlError } from './serctl-env.js';
import { restoreExtraCaCerts } from '../util/extra-ca-certs.js';

/** bin/ser.js of this package (this file runs from dist/src/cli/). */
export const SER_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'ser.js');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: kill(0) said it exists
  }
}

/** The pid in the pid file; undefined when there is no file. */
export function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new SerctlError(`the pid file ${file} holds no pid ('${text.trim().slice(0, 20)}'): remove it if ser is not running`);
  return pid;
}

/** The ser command line start uses. */
export function startArgs(ctx: SerctlContext, pid: string): string[] {
  const args = ['-P', pid];
  const cfg = ctx.e.cfgFile ?? ctx.e.env['SER_CFG'];
  if (cfg !== undefined) args.push('-f', path.resolve(ctx.e.cwd, cfg));
  else if (existsSync(path.resolve(ctx.e.cwd, DEFAULT_CFG))) args.push('-f', path.resolve(ctx.e.cwd, DEFAULT_CFG));
  const extra = ctx.e.env['SER_START_OPTIONS'];
  if (extra && extra.trim()) args.push(...extra.trim().split(/\s+/));
  return args;
}

export async function cmdStart(ctx: SerctlContext): Promise<number> {
  const file = pidFile(ctx.e);
  ctx.out('Starting SER : ');
  const old = readPid(file);
  if (old !== undefined) {
    if (alive(old)) {
      ctx.out('\n');
      throw new SerctlError(`PID file exists! (${file}, pid ${old}) already running? Stop it with: serctl stop`);
    }
    ctx.io.err(`serctl: removing the stale pid file ${file} (pid ${old} is not running)\n`);
    rmSync(file, { force: true });
  }
  const args = startArgs(ctx, file);
  const code = await new Promise<number>((resolve) => {
    // bin/ser.js itself, as SER's serctl ran $SER_BIN: its #! line gives Node the server's flags
    // and takes NODE_EXTRA_CA_CERTS aside again, so it gets the variable as the user set it
    const env: Record<string, string | undefined> = { ...ctx.e.env };
    restoreExtraCaCerts(env);
    const child = spawn(SER_BIN, args, { cwd: ctx.e.cwd, stdio: ['ignore', 'inherit', 'inherit'], env });
    child.once('error', (e) => {
      ctx.io.err(`serctl: cannot run ${SER_BIN}: ${e.message}\n`);
      resolve(1);
    });
    // 'exit', not 'close': the daemon may keep our output open
    child.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new SerctlError(`ser did not start (status ${code}): its messages are above; check the config with: ser -c ${args.includes('-f') ? '-f ' + args[args.indexOf('-f') + 1] : ''}`.trimEnd());
  for (let i = 0; i < 100 && readPid(file) === undefined; i++) await sleep(50);
  const pid = readPid(file);
  if (pid === undefined) throw new SerctlError(`ser started but wrote no pid file ${file}: stop it by its pid (shown above)`);
  ctx.out(`started pid(${pid})\n`);
  return 0;
}

export async function cmdStop(ctx: SerctlContext, forRestart = false): Promise<number> {
  const file = pidFile(ctx.e);
  ctx.out('Stopping SER : ');
  const pid = readPid(file);
  if (pid === undefined) {
    ctx.out('\n');
    throw new SerctlError(`No PID file found! (${file})${forRestart ? ' SER probably not running.' : ''} Start ser with serctl start, or -P ${file}; set SER_PID_FILE if it writes another one`);
  }
  if (!alive(pid)) {
    rmSync(file, { force: true });
    ctx.out('\n');
    throw new SerctlError(`ser (pid ${pid} from ${file}) is not running; removed the stale pid file`);
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    ctx.out('\n');
    throw new SerctlError(`cannot signal pid ${pid}: ${(e as Error).message} (run serctl as the user ser runs as)`);
  }
  for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
  if (alive(pid)) {
    ctx.out('\n');
    throw new SerctlError(`ser (pid ${pid}) is still running 10 s after SIGTERM: look at its log; kill -KILL ${pid} ends it`);
  }
  if (existsSync(file) && readPid(file) === pid) rmSync(file, { force: true });
  ctx.out('stopped\n');
  return 0;
}

export async function cmdRestart(ctx: SerctlContext): Promise<number> {
  await cmdStop(ctx, true);
  return cmdStart(ctx);
}
