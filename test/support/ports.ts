/** Ports for tests whose members bind one port on several loopback addresses, as hostNetwork pods do. */
import { canBind, freePort } from 'memberlist-ts/testing';

/** A port free on every loopback address the test uses (each member binds its own). */
export async function portFreeOn(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort(hosts[0]);
    const free = await Promise.all(hosts.map((h) => canBind(h, port)));
    if (free.every(Boolean)) return port;
  }
  throw new Error('test setup: no port free on every address');
}
