import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli-helpers.js';

// Running the real serctl command for the serctl tests.

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `serctl args...` in `cwd` with `env` added to a clean environment; stdin (not a terminal) is `input`. */
export function serctl(args: readonly string[], o: { cwd: string; env?: Record<string, string>; timeoutMs?: number; input?: string }): Promise<Run> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: o.cwd, ...o.env };
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'serctl.js'), ...args], { cwd: o.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(o.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}


/**
 * The head of the serctl tests' server configs: loopback on `port`, the FIFO at `fifo`, the
 * registrar modules with usrloc in memory; `extra` lines (an alias) go before the modules.
 */
export function registrarCfgHead(port: number, fifo: string, extra = ''): string {
  return `listen=127.0.0.1
port=${port}
${extra}fifo="${fifo}"
log_stderror=yes
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("usrloc", "db_mode", 0)
`;
}
