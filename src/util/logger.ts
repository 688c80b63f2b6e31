import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

// SER's log levels (dprint.h): lower is more severe; a message is printed when its level is
// <= the configured `debug` threshold.
export const L_ALERT = -3;
export const L_CRIT = -2;
export const L_ERR = -1;
export const L_WARN = 1;
export const L_NOTICE = 2;
export const L_INFO = 3;
export const L_DBG = 4;

// syslog(3) severities for the SER levels above.
function syslogSeverity(level: number): number {
  if (level <= L_ALERT) return 1;
  if (level === L_CRIT) return 2;
  if (level === L_ERR) return 3;
  if (level === L_WARN) return 4;
  if (level === L_NOTICE) return 5;
  if (level === L_INFO) return 6;
  return 7;
}

const FACILITIES: Record<string, number> = {
  LOG_KERN: 0, LOG_USER: 1, LOG_MAIL: 2, LOG_DAEMON: 3, LOG_AUTH: 4, LOG_SYSLOG: 5, LOG_LPR: 6,
  LOG_NEWS: 7, LOG_UUCP: 8, LOG_CRON: 9, LOG_AUTHPRIV: 10, LOG_FTP: 11,
  LOG_LOCAL0: 16, LOG_LOCAL1: 17, LOG_LOCAL2: 18, LOG_LOCAL3: 19,
  LOG_LOCAL4: 20, LOG_LOCAL5: 21, LOG_LOCAL6: 22, LOG_LOCAL7: 23,
};

export function facilityCode(name: string): number | undefined {
  return FACILITIES[name.toUpperCase()];
}

export interface LogSink {
  write(level: number, line: string): void;
  close(): void;
}

/** Writes `line` to standard error, as SER does with log_stderror=yes. */
export class StderrSink implements LogSink {
  write(_level: number, line: string): void {
    process.stderr.write(line);
  }
  close(): void {}
}

/** Collects lines in memory (tests). */
export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  write(_level: number, line: string): void {
    this.lines.push(line);
  }
  close(): void {}
}

/**
 * Sends lines to syslog through util-linux `logger --prio-prefix`, which speaks the local
 * /dev/log datagram socket that Node cannot open itself. One long-lived child, fed by a pipe,
 * so a log line costs a write, not a process.
 */
export class SyslogSink implements LogSink {
  private child: ChildProcess | undefined;
  private failed = false;

  constructor(private readonly facility: number, tag: string, private readonly fallback: LogSink) {
    this.child = spawn('logger', ['--prio-prefix', '-t', tag, '-u', '/dev/log'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    this.child.on('error', () => this.fail());
    this.child.on('exit', () => this.fail());
    this.child.stdin?.on('error', () => this.fail());
    // The logger child must not keep the server alive on shutdown.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /** Whether a syslog socket exists at all on this machine. */
  static available(): boolean {
    return existsSync('/dev/log');
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.child = undefined;
    this.fallback.write(L_WARN, 'WARNING: syslog logger exited; logging to stderr from now on\n');
  }

  write(level: number, line: string): void {
    if (this.failed || !this.child?.stdin) {
      this.fallback.write(level, line);
      return;
    }
    const pri = this.facility * 8 + syslogSeverity(level);
    // logger treats every input line as one message
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    this.child.stdin.write(`<${pri}>${text.replace(/\n/g, ' ')}\n`);
  }

  close(): void {
    this.child?.stdin?.end();
  }
}

/**
 * The server's logger. Lines look like SER's: `<process no>(<pid>) <message>`; core messages
 * carry SER's `ERROR:` / `WARNING:` / `INFO:` / `DEBUG:` prefixes, script log() text is printed
 * as written.
 */
export class Logger {
  constructor(
    public sink: LogSink,
    public debug = 0,
    public procNo = 0,
  ) {}

  enabled(level: number): boolean {
    return level <= this.debug;
  }

  log(level: number, message: string): void {
    if (level > this.debug) return;
    const line = `${this.procNo}(${process.pid}) ${message}`;
    this.sink.write(level, line.endsWith('\n') ? line : line + '\n');
  }

  err(message: string): void {
    this.log(L_ERR, 'ERROR: ' + message);
  }
  warn(message: string): void {
    this.log(L_WARN, 'WARNING: ' + message);
  }
  notice(message: string): void {
    this.log(L_NOTICE, 'NOTICE: ' + message);
  }
  info(message: string): void {
    this.log(L_INFO, 'INFO: ' + message);
  }
  dbg(message: string): void {
    if (L_DBG <= this.debug) this.log(L_DBG, 'DEBUG: ' + message);
  }
}
