/**
 * Watching layer 2 answers while MetalLB's speakers are replaced node by
 * node: each sample lists the speaker Pods (which release runs on each
 * node), asks the client namespace who answers each sampled address (every
 * ARP reply and Neighbor Advertisement to one request), and judges the
 * sample: never two MACs for one IPv4 address, and, once the Pods have
 * been still for a while (memberlist and the speakers' syncs have caught
 * up), the address answered by its elected node whenever that node runs
 * metallb-ts. RollClock times each node's roll from the Pods themselves.
 */
import type * as k8s from '@kubernetes/client-node';
import type { NetnsCluster } from '../../src/netns/cluster/index.js';
import { electionOrder } from './v09-cluster.js';

/** Which speaker a node runs: v0.9's (its stand-in), ours, or none. */
export type NodeSpeaker = 'v0.9' | 'metallb-ts' | 'none';

export interface SampledAddress {
  readonly ip: string;
  /** namespace/name of the Service the election is for. */
  readonly key: string;
}

export interface Sample {
  readonly t: number;
  readonly speakers: Readonly<Record<string, NodeSpeaker>>;
  /** Per address, the MACs that answered. */
  readonly answers: Readonly<Record<string, readonly string[]>>;
  /** Whether the speakers had been unchanged for `settleMs` (the elected-node check applied). */
  readonly settled: boolean;
  readonly problems: readonly string[];
  /** IPv6 addresses two MACs advertised within the sample's second (see sample()). */
  readonly ndpPairs: readonly string[];
}

/**
 * A speaker counts from the moment its process runs until its Pod is
 * deleted: it joins memberlist (and so takes part in elections) as it
 * starts, before its Pod reports Ready.
 */
const isRunning = (pod: k8s.V1Pod): boolean =>
  pod.metadata?.deletionTimestamp === undefined &&
  pod.status?.containerStatuses?.[0]?.state?.running !== undefined;

/** The speaker each node runs now. */
export async function nodeSpeakers(
  cluster: NetnsCluster,
  namespace: string,
  nodes: readonly string[],
): Promise<Record<string, NodeSpeaker>> {
  const pods = await cluster.core.listNamespacedPod({
    namespace,
    labelSelector: 'app=metallb,component=speaker',
  });
  const out: Record<string, NodeSpeaker> = Object.fromEntries(nodes.map((n) => [n, 'none']));
  for (const pod of pods.items) {
    const node = pod.spec?.nodeName ?? '';
    if (!(node in out) || !isRunning(pod)) continue;
    const image = pod.spec?.containers[0]?.image ?? '';
    out[node] = image.includes('metallb-ts/metallb-ts') ? 'metallb-ts' : 'v0.9';
  }
  return out;
}

/** The node that should answer for `key` with these speakers (null: none alive), per docs/COMPAT.md section 3. */
export function electedNode(
  key: string,
  speakers: Readonly<Record<string, NodeSpeaker>>,
): string | null {
  const alive = Object.keys(speakers).filter((node) => speakers[node] !== 'none');
  return electionOrder(key, alive)[0] ?? null;
}

export class RollWatch {
  readonly samples: Sample[] = [];
  private lastSpeakers = '';
  private stillSince = 0;

  constructor(
    private readonly cluster: NetnsCluster,
    private readonly namespace: string,
    private readonly nodes: readonly string[],
    private readonly macs: Readonly<Record<string, string>>,
    private readonly addresses: readonly SampledAddress[],
    private readonly settleMs: number,
  ) {}

  private nodeOf(mac: string): string {
    return Object.keys(this.macs).find((node) => this.macs[node] === mac) ?? mac;
  }

  /** One sample: who answers for every sampled address, judged against the speakers before and after. */
  async sample(): Promise<Sample> {
    const { cluster } = this;
    const before = await nodeSpeakers(cluster, this.namespace, this.nodes);
    const t = Date.now();
    const replies = await Promise.all(
      this.addresses.map(({ ip }) =>
        ip.includes(':') ? cluster.topology.ndiscAll(ip) : cluster.topology.arping(ip, 1),
      ),
    );
    const after = await nodeSpeakers(cluster, this.namespace, this.nodes);
    const key = JSON.stringify(before);
    if (key !== this.lastSpeakers || JSON.stringify(after) !== key) {
      this.lastSpeakers = JSON.stringify(after);
      this.stillSince = Date.now();
    }
    const settled = key === JSON.stringify(after) && t - this.stillSince >= this.settleMs;
    const problems: string[] = [];
    const ndpPairs: string[] = [];
    const answers: Record<string, string[]> = {};
    for (const [i, { ip, key: service }] of this.addresses.entries()) {
      const macs = replies[i] ?? [];
      answers[ip] = macs;
      const distinct = new Set(macs);
      const who = [...distinct].map((mac) => this.nodeOf(mac)).join(' and ');
      // ARP: two replies to one request. NDP: ndisc6 -m also lists the
      // unsolicited advertisements a node sends as it takes an address over
      // (RFC 4861 section 7.2.6) without their flags, so two MACs there may
      // be a handover, not two answers: counted, not failed.
      if (distinct.size > 1 && !ip.includes(':')) problems.push(`${ip} answered by ${who}`);
      if (distinct.size > 1 && ip.includes(':')) ndpPairs.push(`${ip} advertised by ${who}`);
      const node = electedNode(service, before);
      if (!settled || node === null || before[node] !== 'metallb-ts') continue;
      const want = this.macs[node];
      if (macs.length === 0 || [...distinct].some((mac) => mac !== want))
        problems.push(
          `${ip} (${service}) elected ${node}, answered by [${macs.map((m) => this.nodeOf(m)).join(' ')}]`,
        );
    }
    const sample = { t, speakers: before, answers, settled, problems, ndpPairs };
    this.samples.push(sample);
    return sample;
  }
}

export interface Roll {
  readonly node: string;
  readonly from: number;
  readonly to: number;
}

/** Polls the speaker Pods every 100 ms: when each node's v0.9 Pod went, when ours became Ready there. */
export class RollClock {
  private readonly gone = new Map<string, number>();
  private readonly ready = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly cluster: NetnsCluster,
    private readonly namespace: string,
    private readonly nodes: readonly string[],
  ) {}

  get done(): boolean {
    return this.ready.size === this.nodes.length;
  }

  get rolls(): Roll[] {
    return [...this.ready]
      .map(([node, to]) => ({ node, from: this.gone.get(node) ?? to, to }))
      .sort((a, b) => a.from - b.from);
  }

  stop(): void {
    this.stopped = true;
  }

  async poll(): Promise<void> {
    while (!this.stopped && !this.done) {
      const now = Date.now();
      const pods = await this.cluster.core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector: 'app=metallb,component=speaker',
      });
      for (const node of this.nodes) {
        const here = pods.items.filter((p) => p.spec?.nodeName === node);
        const old = here.find((p) => !(p.spec?.containers[0]?.image ?? '').includes('metallb-ts'));
        if (
          !this.gone.has(node) &&
          (old === undefined || old.metadata?.deletionTimestamp !== undefined)
        )
          this.gone.set(node, now);
        const ours = here.find(
          (p) =>
            (p.spec?.containers[0]?.image ?? '').includes('metallb-ts') &&
            (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        if (!this.ready.has(node) && ours !== undefined) this.ready.set(node, now);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
