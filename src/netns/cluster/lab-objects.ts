/**
 * Objects in the lab API that a real cluster's other parts would write: the
 * lab runs no kubelet for them, so a pod is created with a node and then given the
 * status a kubelet would write (Running, an IP, Ready or not), which the
 * lab's endpoints controller turns into Endpoints and EndpointSlices; and
 * MetalLB's namespace with its `config` ConfigMap, as an operator applies
 * them.
 */
import type * as k8s from '@kubernetes/client-node';

export interface LabPod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly node: string;
  readonly ip: string;
  readonly ready?: boolean;
  readonly hostNetwork?: boolean;
}

export async function createLabPod(core: k8s.CoreV1Api, pod: LabPod): Promise<void> {
  await core.createNamespacedPod({
    namespace: pod.namespace,
    body: {
      metadata: { name: pod.name, labels: pod.labels },
      spec: {
        nodeName: pod.node,
        ...(pod.hostNetwork === true ? { hostNetwork: true } : {}),
        containers: [{ name: 'main', image: 'metallb-ts' }],
      },
    },
  });
  await setLabPodStatus(core, pod.namespace, pod.name, pod.ip, pod.ready ?? true);
}

/** Writes the status a kubelet would: Running with `ip`, Ready or not. */
export async function setLabPodStatus(
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
  ip: string,
  ready: boolean,
): Promise<void> {
  const current = await core.readNamespacedPod({ name, namespace });
  await core.replaceNamespacedPodStatus({
    name,
    namespace,
    body: {
      ...current,
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      },
    },
  });
}

/** The labels of the nodes the lab's balancer classes select (docs/SCALEOUT.md). */
export const BALANCER_NODE_LABELS: Readonly<Record<string, string>> = {
  'metallb-ts.io/balancer': 'true',
};

/** The `balancer-classes` text of one class over the nodes labelled BALANCER_NODE_LABELS. */
export function balancerClassText(name: string, addresses: string, ipsPerService: number): string {
  return `- name: ${name}
  addresses:
  - ${addresses}
  node-selectors:
  - match-labels:
      metallb-ts.io/balancer: "true"
  ips-per-service: ${ipsPerService}
`;
}

/** MetalLB's namespace and its `config` ConfigMap with `data` (`config`, maybe `balancer-classes`). */
export async function createMetallbConfig(
  core: k8s.CoreV1Api,
  namespace: string,
  data: Readonly<Record<string, string>>,
): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'config' }, data: { ...data } },
  });
}
