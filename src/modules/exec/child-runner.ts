// Running the programs of exec_msg/exec_dset: `/bin/sh -c <command>` as SER's popen() did, but
// asynchronously (the request waits, the server does not) and bounded:
//   - at most `maxChildren` programs at a time; one more is refused at once ('busy');
//   - each gets `timeoutMs`; then its whole process group gets SIGKILL ('timeout');
//   - captured output beyond `maxOutput` bytes is cut and the group killed ('output-limit');
//   - standard error is kept (its first STDERR_KEPT bytes) for the log.
// Every child leads a process group of its own, so a kill reaches what the shell started too.

import { spawn, type ChildProcess } from 'node:child_process';

/** Bytes of a child's standard error kept for the log. */
export const STDERR_KEPT = 2048;
/** After SIGKILL, how long to wait for the exit before giving up on it (a process in D state). */
const REAP_GRACE_MS = 2000;

export interface RunLimits {
  readonly timeoutMs: number;
  readonly maxChildren: number;
  /** bytes of standard output kept when it is captured */
  readonly maxOutput: number;
}

export interface RunRequest {
  /** the shell command line */
  readonly command: string;
  /** positional parameters: $1, $2 ... of the command */
  readonly args?: readonly string[];
  /** $0 of the command (shows in the shell's own error messages) */
  readonly name?: string;
  readonly env: Record<string, string>;
  /** written to the standard input, which is then closed; without it the input is /dev/null */
  readonly input?: Buffer;
  /** keep the standard output (exec_dset); otherwise it goes to /dev/null */
  readonly captureOutput?: boolean;
}

export type RunOutcome =
  | { readonly status: 'exited'; readonly code: number; readonly output: Buffer; readonly stderr: string }
  | { readonly status: 'signaled'; readonly signal: string; readonly output: Buffer; readonly stderr: string }
  | { readonly status: 'timeout'; readonly output: Buffer; readonly stderr: string }
  | { readonly status: 'output-limit'; readonly output: Buffer; readonly stderr: string }
  | { readonly status: 'busy'; readonly running: number }
  | { readonly status: 'spawn-failed'; readonly error: string };

const EMPTY = Buffer.alloc(0);

export class ChildRunner {
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  constructor(readonly limits: RunLimits) {}

  /** Programs running now. */
  get running(): number {
    return this.children.size;
  }

  /** Run one program; never rejects. */
  run(req: RunRequest): Promise<RunOutcome> {
    if (this.closed) return Promise.resolve({ status: 'spawn-failed', error: 'the module is shutting down' });
    if (this.children.size >= this.limits.maxChildren) return Promise.resolve({ status: 'busy', running: this.children.size });
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', req.command, req.name ?? 'sh', ...(req.args ?? [])], {
        env: req.env,
        stdio: [req.input ? 'pipe' : 'ignore', req.captureOutput ? 'pipe' : 'ignore', 'pipe'],
        detached: true,
        windowsHide: true,
      });
    } catch (e) {
      return Promise.resolve({ status: 'spawn-failed', error: (e as Error).message });
    }
    this.children.add(child);
    return new Promise<RunOutcome>((resolve) => this.watch(child, req, resolve));
  }

  private watch(child: ChildProcess, req: RunRequest, resolve: (o: RunOutcome) => void): void {
    const { timeoutMs, maxOutput } = this.limits;
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let limitHit: 'timeout' | 'output-limit' | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let outputEnded = !req.captureOutput;
    let done = false;
    let grace: NodeJS.Timeout | undefined;

    const finish = (o: RunOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      this.children.delete(child);
      // a program that left something running with our pipes open must not hold them
      child.stdout?.destroy();
      resolve(o);
    };
    const outcome = (): RunOutcome => {
      const output = chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
      if (limitHit) return { status: limitHit, output, stderr };
      if (exit?.signal) return { status: 'signaled', signal: exit.signal, output, stderr };
      return { status: 'exited', code: exit?.code ?? -1, output, stderr };
    };
    const maybeFinish = (): void => {
      // a limit: done when the program is gone (its output may be held by an escaped grandchild)
      if (exit && (outputEnded || limitHit)) finish(outcome());
    };
    const kill = (why: 'timeout' | 'output-limit'): void => {
      if (limitHit || done) return;
      limitHit = why;
      killGroup(child);
      child.stdout?.destroy();
      grace = setTimeout(() => finish(outcome()), REAP_GRACE_MS);
      maybeFinish();
    };

    const timer = setTimeout(() => kill('timeout'), timeoutMs);

    child.on('error', (e) => {
      // spawn failures (EAGAIN, ENOMEM...) come here, without an exit
      if (!exit) finish({ status: 'spawn-failed', error: e.message });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      maybeFinish();
    });
    if (req.captureOutput && child.stdout) {
      child.stdout.on('data', (b: Buffer) => {
        if (limitHit) return;
        const room = maxOutput - outBytes;
        if (b.length > room) {
          if (room > 0) chunks.push(b.subarray(0, room));
          outBytes = maxOutput;
          kill('output-limit');
          return;
        }
        chunks.push(b);
        outBytes += b.length;
      });
      child.stdout.on('error', () => {});
      child.stdout.on('close', () => {
        outputEnded = true;
        maybeFinish();
      });
    }
    child.stderr?.on('data', (b: Buffer) => {
      if (stderr.length < STDERR_KEPT) stderr += b.toString('utf8', 0, Math.min(b.length, STDERR_KEPT - stderr.length));
    });
    child.stderr?.on('error', () => {});
    if (req.input && child.stdin) {
      // a program that does not read its input (or exits early) is not an error: EPIPE ignored
      child.stdin.on('error', () => {});
      child.stdin.end(req.input);
    }
  }

  /** Kill every running program (module shutdown). */
  close(): void {
    this.closed = true;
    for (const c of this.children) killGroup(c);
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
