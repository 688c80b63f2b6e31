// What the benchmark scripts share: their command-line options and a check for installed tools.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);

/** The value after --name, or dflt. */
export const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};

/** Whether --name was given. */
export const flag = (name) => args.includes(`--${name}`);

/** Whether a command is on the PATH. */
export const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
