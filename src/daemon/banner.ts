import type { CoreConfig } from '../script/core-config.js';
import type { SipServer } from './server.js';

/** What SER prints when it starts: the sockets and the names it answers to as "myself". */
export function banner(server: SipServer, cfg: CoreConfig): string {
  const lines = ['Listening on'];
  for (const s of server.socketList) {
    const adv = s.viaHost !== (s.family === 6 ? `[${s.address}]` : s.address) || s.viaPort !== s.port ? ` advertise ${s.hostport}` : '';
    lines.push(`             ${s.proto}: ${s.name} [${s.family === 6 ? `[${s.address}]` : s.address}]:${s.port}${adv}`);
  }
  lines.push('Aliases:');
  for (const a of server.myself.list()) lines.push(`             ${a}`);
  if (!cfg.fork) lines.push('WARNING: no fork mode');
  return lines.join('\n');
}
