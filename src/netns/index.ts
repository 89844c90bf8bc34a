/**
 * Network namespaces for the tests, the benches and `metallb-ts lab
 * --netns` (root only): one command runner, the LAN topology (bridge, node,
 * client and router namespaces) with its lock and cleanup, the two-namespace
 * veth pair, and the client-side tools. Knows nothing of Kubernetes; the
 * cluster that runs in a topology is `./cluster/`.
 */
export { CommandError, mustRun, run, runAccepting, type CommandResult } from './command.js';
export { HttpLoop, type HttpLoopOptions, type HttpProbeResult } from './http-loop.js';
export {
  parseArpingReplies,
  parseNdiscReplies,
  parseNdiscReply,
  type Neighbour,
} from './ip-json.js';
export {
  createNamespace,
  inNamespace,
  ownNamespaces,
  uniquePrefix,
  type OwnedNamespaces,
} from './namespaces.js';
export { NETNS_TOOLS, netnsUnavailable, onPath, type NetnsTool } from './tools.js';
export { NetnsTopology, SERVICE_RANGES, type NetnsTopologyOptions } from './topology.js';
export {
  createVethPair,
  destroyVethPair,
  type Side,
  type VethPair,
  type VethPairOptions,
} from './veth-pair.js';
