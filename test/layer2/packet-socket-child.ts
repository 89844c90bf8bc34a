/**
 * Run inside a test namespace (`ip netns exec NS node packet-socket-child.js
 * IFACE [--unref]`) by packet-socket.test.ts. Opens an 'arp' and an 'ndp'
 * PacketSocket and an Ipv6GroupMembership on IFACE, prints one JSON object
 * per line on stdout (`ready`, `frame`, `done`, `failed`) and obeys one
 * JSON command per line on stdin. With --unref it unrefs everything and
 * ignores stdin, so it should exit at once.
 */
import { createInterface } from 'node:readline';
import { listInterfaces } from '../../src/layer2/interfaces.js';
import {
  Ipv6GroupMembership,
  PacketSocket,
  type PacketSocketKind,
} from '../../src/layer2/packet-socket.js';

export type ChildCommand =
  | { op: 'send'; kind: PacketSocketKind; hex: string }
  | { op: 'addMembership' | 'dropMembership'; hex: string }
  | { op: 'join' | 'leave'; hex: string }
  | { op: 'close' };

export type ChildLine =
  | { ready: true; index: number; mac: string }
  | { frame: string; kind: PacketSocketKind }
  | { done: ChildCommand['op'] }
  | { failed: ChildCommand['op']; message: string }
  | { error: string; kind: PacketSocketKind };

function print(line: ChildLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const name = process.argv[2] ?? '';
const iface = listInterfaces().find((candidate) => candidate.name === name);
if (iface === undefined) throw new Error(`no interface ${name} here`);

const sockets = {
  arp: PacketSocket.open(iface, 'arp'),
  ndp: PacketSocket.open(iface, 'ndp'),
};
const groups = Ipv6GroupMembership.open(iface);
for (const [kind, socket] of Object.entries(sockets) as [PacketSocketKind, PacketSocket][]) {
  socket.on('frame', (frame) => print({ frame: frame.toString('hex'), kind }));
  socket.on('error', (error) => print({ error: error.message, kind }));
}

if (process.argv.includes('--unref')) {
  sockets.arp.unref();
  sockets.ndp.unref();
  print({ ready: true, index: iface.index, mac: Buffer.from(iface.mac).toString('hex') });
} else {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (text) => {
    const command = JSON.parse(text) as ChildCommand;
    try {
      obey(command);
      print({ done: command.op });
    } catch (error) {
      print({
        failed: command.op,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    if (command.op === 'close') {
      lines.close();
      process.stdin.destroy();
    }
  });
  print({ ready: true, index: iface.index, mac: Buffer.from(iface.mac).toString('hex') });
}

function obey(command: ChildCommand): void {
  switch (command.op) {
    case 'send':
      return sockets[command.kind].send(Buffer.from(command.hex, 'hex'));
    case 'addMembership':
      return sockets.ndp.addMembership(Buffer.from(command.hex, 'hex'));
    case 'dropMembership':
      return sockets.ndp.dropMembership(Buffer.from(command.hex, 'hex'));
    case 'join':
      return groups.join(Buffer.from(command.hex, 'hex'));
    case 'leave':
      return groups.leave(Buffer.from(command.hex, 'hex'));
    case 'close':
      // After this nothing of ours may keep the event loop alive: the
      // process must exit by itself once stdin is closed too.
      sockets.arp.close();
      sockets.ndp.close();
      sockets.arp.close(); // idempotent
      groups.close();
      return;
  }
}
