import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SippResult {
  code: number | null;
  successful: number;
  failed: number;
  stdout: string;
  stderr: string;
}

/** Run SIPp to completion (bounded by `timeoutMs`); reads the statistics file it writes. */
export function runSipp(args: string[], timeoutMs = 30_000): Promise<SippResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sipp-'));
  const stf = path.join(dir, 'stat.csv');
  const child = spawn('sipp', [...args, '-nostdin', '-trace_stat', '-stf', stf, '-fd', '1'], { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run sipp (install Debian's sip-tester): ${e.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      let successful = 0;
      let failed = 0;
      const file = readdirSync(dir).find((f) => f.endsWith('.csv'));
      if (file) {
        const lines = readFileSync(path.join(dir, file), 'utf8').trim().split('\n');
        const head = lines[0]!.split(';');
        const last = lines[lines.length - 1]!.split(';');
        successful = Number(last[head.indexOf('SuccessfulCall(C)')]);
        failed = Number(last[head.indexOf('FailedCall(C)')]);
      }
      resolve({ code, successful, failed, stdout, stderr });
    });
  });
}

/** Start a SIPp instance in the background (a UAS); stop it with kill(). */
export function startSipp(args: string[]): ChildProcess {
  return spawn('sipp', [...args, '-nostdin'], { stdio: 'ignore' });
}
