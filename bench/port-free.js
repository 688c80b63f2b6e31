// Both servers of a benchmark take 127.0.0.1:5060 in turn; a stopped Kamailio may hold it for
// seconds after its processes were signalled, and a server started before then cannot bind it.
import dgram from 'node:dgram';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Until nothing has 127.0.0.1:`port` bound over UDP, 20 s at most. */
export async function portFree(port = 5060) {
  for (let i = 0; i < 100; i++) {
    const s = dgram.createSocket('udp4');
    const free = await new Promise((resolve) => {
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => resolve(true));
    });
    s.close();
    if (free) return;
    await sleep(200);
  }
  throw new Error(`127.0.0.1:${port} is still in use after 20 s`);
}
