import { spawn } from 'node:child_process';
import { closeSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileScript } from '../script/compile.js';
import { ConfigError } from '../script/config-error.js';
import type { CoreConfig } from '../script/core-config.js';
import { ConfigErrors, type LoadedConfig } from '../script/load-config.js';
import { Resolver } from '../sip/transport/resolver.js';
import { Logger, SyslogSink } from '../util/logger.js';
import { parseArgv, USAGE, UsageError, type CommandLine } from './argv.js';
import { banner } from './banner.js';
import { SipServer } from './server.js';
import { errOut, load, makeLogSink, printConfigErrors } from './startup-config.js';
import { ARCH_OS, VERSION } from './version.js';
import { startWorkers, isWorkerProcess, runWorker, type WorkerPool } from './workers.js';

/** Set in the detached child that `ser` starts when it daemonizes (fork=yes without -D). */
const DAEMON_ENV = 'SER_DAEMON_CHILD';

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}

/**
 * `ser [options]`. Resolves with an exit code for commands that finish (-h, -V, -c, errors,
 * the parent of a daemon), or with undefined once a server is running.
 */
export async function run(argv: readonly string[]): Promise<number | undefined> {
  if (isWorkerProcess()) {
    await runWorker();
    return undefined;
  }
  let cl: CommandLine;
  try {
    cl = parseArgv(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      errOut(`ser: ${e.message}`);
      errOut(USAGE);
      return 2;
    }
    throw e;
  }
  if (cl.help) {
    out(USAGE);
    return 0;
  }
  if (cl.version) {
    out(`version: ser ${VERSION} (${ARCH_OS})\nflags: USE_TCP, USE_IPV6\nNode.js ${process.version}`);
    return 0;
  }
  if (cl.chroot) {
    errOut(`ser: -t ${cl.chroot}: chroot is not supported (Node.js cannot chroot a running process); use a container or systemd's RootDirectory=`);
    return 2;
  }
  if (cl.shmSize !== undefined) errOut('ser: -m: there is no shared memory pool to size; ignored');

  const loaded = await load(cl);
  if (typeof loaded === 'number') return loaded;
  const cfg = loaded.core;

  if (cl.checkOnly) {
    // compile the routes too (regexes, comparisons), without starting anything
    const resolver = new Resolver({ timeoutMs: 1000, tries: 1 });
    try {
      await compileScript(loaded, { states: new Map(), lookupHost: (n) => resolver.lookupHost(n) });
    } catch (e) {
      if (e instanceof ConfigErrors) {
        printConfigErrors(e, loaded.file);
        return 1;
      }
      throw e;
    } finally {
      resolver.close();
    }
    out(`config file ${loaded.file} ok, exiting...`);
    return 0;
  }

  if ((cfg.user || cfg.group) && process.getuid?.() !== 0) {
    errOut('ser: -u/-g (user/group) need the server to be started as root');
    return 2;
  }

  const isDaemonChild = process.env[DAEMON_ENV] === '1';
  if (cfg.fork && cl.foreground === 0 && !isDaemonChild) return daemonize(argv, cfg);
  return serve(loaded, isDaemonChild);
}

/**
 * SER forks into the background unless -D (fork=yes). Node cannot fork, so the parent starts
 * a detached copy of itself, waits until it listens (or fails), prints what it printed, and exits.
 */
function daemonize(argv: readonly string[], cfg: CoreConfig): Promise<number> {
  // Where the background server's standard error goes: the terminal when log_stderror asks
  // for it (as SER does); a log file when there is no syslog to log to; nowhere otherwise.
  let stderr: 'inherit' | 'ignore' | number = 'ignore';
  let logFile: string | undefined;
  if (cfg.log_stderror) stderr = 'inherit';
  else if (!SyslogSink.available()) {
    for (const dir of [process.cwd(), os.tmpdir()]) {
      try {
        logFile = path.join(dir, 'ser.log');
        stderr = openSync(logFile, 'a');
        break;
      } catch {
        logFile = undefined;
      }
    }
    if (logFile) out(`ser: no syslog socket (/dev/log) on this machine: logging to ${logFile}`);
  }
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
    env: { ...process.env, [DAEMON_ENV]: '1', ...(logFile ? { SER_LOG_FILE_FALLBACK: '1' } : {}) },
  });
  if (typeof stderr === 'number') closeSync(stderr);
  return new Promise((resolve) => {
    let done = false;
    child.on('message', (m: { type: string; text: string }) => {
      if (done) return;
      done = true;
      if (m.type === 'ready') {
        out(m.text);
        out(`ser: running in the background as pid ${child.pid}; stop it with: kill ${child.pid}`);
        child.disconnect();
        child.unref();
        resolve(0);
      } else {
        errOut(`ser: ${m.text}`);
        resolve(1);
      }
    });
    child.on('exit', (code) => {
      if (done) return;
      done = true;
      errOut(`ser: the server exited during start-up (status ${code})`);
      resolve(1);
    });
  });
}

async function serve(loaded: LoadedConfig, isDaemonChild: boolean): Promise<number | undefined> {
  const cfg = loaded.core;
  const { sink, note } = makeLogSink(cfg);
  const log = new Logger(sink, cfg.debug, 0);
  // the parent already said where the log goes when it chose a file
  if (note && !process.env.SER_LOG_FILE_FALLBACK) errOut(note);
  // A daemon child reports to the parent, which prints; otherwise print here.
  const report = (type: 'ready' | 'error', text: string) => {
    if (isDaemonChild && process.send) process.send({ type, text });
    else if (type === 'error') errOut(`ser: ${text}`);
    else out(text);
  };

  const resolver = new Resolver();
  let sockets;
  try {
    sockets = await SipServer.planSockets(cfg, resolver);
  } catch (e) {
    report('error', (e as Error).message);
    return 1;
  }
  const server = new SipServer(loaded, { log, resolver, sockets });
  try {
    await server.start();
  } catch (e) {
    const text = e instanceof ConfigErrors ? e.format() : e instanceof ConfigError ? e.format(loaded.source) : `cannot start: ${(e as Error).message}`;
    report('error', text);
    await server.stop().catch(() => undefined);
    return 1;
  }

  // Written while still privileged and before -w changes the directory, as SER does.
  const pidFile = cfg.pid_file ? path.resolve(cfg.pid_file) : undefined;
  if (pidFile) writeFileSync(pidFile, `${process.pid}\n`);

  // The sockets are bound (a privileged port needs root); now become the configured user, before
  // any worker is started so that the workers run as that user too.
  const step = (what: string, f: () => void): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return `cannot switch to ${what}: ${code === 'ERR_UNKNOWN_CREDENTIAL' ? 'it does not exist' : (e as Error).message}`;
    }
  };
  const failed =
    (cfg.group && step(`group '${cfg.group}'`, () => process.setgid!(cfg.group))) ||
    (cfg.user && step(`user '${cfg.user}'`, () => process.setuid!(cfg.user))) ||
    (cfg.workdir && step(`directory '${cfg.workdir}'`, () => process.chdir(cfg.workdir)));
  if (failed) {
    report('error', failed);
    await server.stop().catch(() => undefined);
    if (pidFile) removePidFile(pidFile);
    return 1;
  }

  let pool: WorkerPool | undefined;
  if (cfg.workers > 1) {
    pool = await startWorkers(server, cfg.workers - 1, log);
  }
  report('ready', banner(server, cfg));
  log.info(`ser ${VERSION} started: config ${loaded.file}, pid ${process.pid}`);

  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.notice(`${sig} received, shutting down`);
    await pool?.stop();
    await server.stop();
    if (pidFile) removePidFile(pidFile);
    sink.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => log.notice('SIGHUP ignored (restart the server to reload ser.cfg)'));
  process.on('uncaughtException', (e) => {
    log.log(-2, `CRITICAL: uncaught exception: ${e.stack ?? e}`);
  });
  return undefined;
}

function removePidFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone, or no longer ours to remove after a user switch
  }
}
