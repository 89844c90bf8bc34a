/**
 * The one step from a workload's pod template to the Pod its controller
 * creates, as the API server then stores it: the template's labels,
 * annotations and spec under the given name, namespace and node. One API
 * default is applied here because the pod security checks read it: with
 * `hostNetwork`, a container port's `hostPort` defaults to its
 * `containerPort` (pkg/apis/core/v1/defaults.go, SetDefaults_Pod), so a
 * host-network pod uses host ports whether its manifest says so or not.
 */
import type { JsonObject } from '../json.js';
import { booleanAt, childAt, containersOf, copyJson, integerAt, objectsAt } from './pod.js';

export interface PodPlacement {
  readonly name: string;
  readonly namespace: string;
  /** The node a DaemonSet pod is made for (a Deployment's pod is placed later). */
  readonly nodeName?: string;
}

export function podFromTemplate(template: JsonObject, placement: PodPlacement): JsonObject {
  const metadata = childAt(template, 'metadata') ?? {};
  const spec = copyJson(childAt(template, 'spec') ?? {});
  if (placement.nodeName !== undefined) spec['nodeName'] = placement.nodeName;
  if (booleanAt(spec, 'hostNetwork') === true)
    for (const { container } of containersOf(spec))
      for (const port of objectsAt(container, 'ports'))
        if ((integerAt(port, 'hostPort') ?? 0) === 0 && port['containerPort'] !== undefined)
          port['hostPort'] = port['containerPort'];
  const labels = childAt(metadata, 'labels');
  const annotations = childAt(metadata, 'annotations');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: placement.name,
      namespace: placement.namespace,
      ...(labels === undefined ? {} : { labels: copyJson(labels) }),
      ...(annotations === undefined ? {} : { annotations: copyJson(annotations) }),
    },
    spec,
  };
}
