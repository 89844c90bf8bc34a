/**
 * The worker thread that parses ConfigMap data for `ConfigParser`
 * (config-parser.ts), so that a big or hostile config never holds the
 * daemon's event loop: its health probes, ARP answers and BGP keepalives
 * go on while this thread works. It answers each request with what
 * `parseConfigData` returns; the result crosses by structured clone, which
 * keeps a Config's Maps and bigints.
 */
import { parentPort } from 'node:worker_threads';
import { parseConfigData } from '../config/index.js';
import type { ParseReply, ParseRequest } from './config-parser.js';

const port = parentPort;
if (port === null) throw new Error('config-worker.js runs as a worker thread only');
port.on('message', (request: ParseRequest) => {
  const reply: ParseReply = { id: request.id, result: parseConfigData(request.data) };
  port.postMessage(reply);
});
// One small parse first, so the first request's time is its own, not the parser's warming up.
parseConfigData({
  config: 'address-pools:\n- {name: warm, protocol: layer2, addresses: [192.0.2.0/24]}\n',
});
// The parser is loaded: the requester's clock starts now (loading is no part of a parse's time).
const loaded: ParseReply = { id: 0, loaded: true };
port.postMessage(loaded);
