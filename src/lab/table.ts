/**
 * `kubectl get` asks for a meta.k8s.io/v1 Table and prints its columns; a
 * plain list would show only NAME and AGE. Columns follow the real server's
 * printers for each kind (Services: TYPE, CLUSTER-IP, EXTERNAL-IP with
 * `<pending>`, PORT(S); Events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE).
 */
import type { ResourceType } from './resources.js';
import { isObject, objectAt, stringAt, text, type Json, type JsonObject } from './json.js';

interface Column {
  readonly name: string;
  readonly priority?: number;
  readonly format?: string;
  readonly cell: (object: JsonObject, now: Date) => string | number;
}

const NAME: Column = {
  name: 'Name',
  format: 'name',
  cell: (o) => stringAt(objectAt(o, 'metadata'), 'name') ?? '',
};
const AGE: Column = {
  name: 'Age',
  cell: (o, now) => age(stringAt(objectAt(o, 'metadata'), 'creationTimestamp'), now),
};

const list = (value: Json | undefined): JsonObject[] =>
  Array.isArray(value) ? value.filter(isObject) : [];

const COLUMNS: Record<string, Column[]> = {
  Service: [
    NAME,
    { name: 'Type', cell: (o) => stringAt(objectAt(o, 'spec'), 'type') ?? '' },
    { name: 'Cluster-IP', cell: (o) => stringAt(objectAt(o, 'spec'), 'clusterIP') ?? '<none>' },
    { name: 'External-IP', cell: externalIPs },
    { name: 'Port(s)', cell: servicePorts },
    AGE,
    {
      name: 'Selector',
      priority: 1,
      cell: (o) => labelsText(objectAt(objectAt(o, 'spec'), 'selector'), '<none>'),
    },
  ],
  'v1/Event': [
    {
      name: 'Last Seen',
      cell: (o, now) => age(stringAt(o, 'lastTimestamp') ?? stringAt(o, 'eventTime'), now),
    },
    { name: 'Type', cell: (o) => stringAt(o, 'type') ?? '' },
    { name: 'Reason', cell: (o) => stringAt(o, 'reason') ?? '' },
    { name: 'Object', cell: (o) => involved(objectAt(o, 'involvedObject')) },
    { name: 'Message', cell: (o) => (stringAt(o, 'message') ?? '').trim() },
    { ...NAME, priority: 1 },
  ],
  'events.k8s.io/v1/Event': [
    { name: 'Last Seen', cell: (o, now) => age(stringAt(o, 'eventTime'), now) },
    { name: 'Type', cell: (o) => stringAt(o, 'type') ?? '' },
    { name: 'Reason', cell: (o) => stringAt(o, 'reason') ?? '' },
    { name: 'Object', cell: (o) => involved(objectAt(o, 'regarding')) },
    { name: 'Message', cell: (o) => (stringAt(o, 'note') ?? '').trim() },
  ],
  Pod: [
    NAME,
    { name: 'Ready', cell: podReady },
    { name: 'Status', cell: podStatusText },
    { name: 'Restarts', cell: podRestarts },
    AGE,
    { name: 'IP', priority: 1, cell: (o) => stringAt(objectAt(o, 'status'), 'podIP') ?? '<none>' },
    {
      name: 'Node',
      priority: 1,
      cell: (o) => stringAt(objectAt(o, 'spec'), 'nodeName') ?? '<none>',
    },
  ],
  // The apps printers (pkg/printers/internalversion/printers.go): what `kubectl get ds,deploy,rs` shows.
  DaemonSet: [
    NAME,
    statusCount('Desired', 'desiredNumberScheduled'),
    statusCount('Current', 'currentNumberScheduled'),
    statusCount('Ready', 'numberReady'),
    statusCount('Up-to-date', 'updatedNumberScheduled'),
    statusCount('Available', 'numberAvailable'),
    {
      name: 'Node Selector',
      cell: (o) =>
        labelsText(
          objectAt(objectAt(objectAt(objectAt(o, 'spec'), 'template'), 'spec'), 'nodeSelector'),
          '<none>',
        ),
    },
    AGE,
  ],
  Deployment: [
    NAME,
    {
      name: 'Ready',
      cell: (o) =>
        `${text(objectAt(o, 'status')['readyReplicas']) || 0}/${text(objectAt(o, 'spec')['replicas']) || 1}`,
    },
    statusCount('Up-to-date', 'updatedReplicas'),
    statusCount('Available', 'availableReplicas'),
    AGE,
  ],
  ReplicaSet: [
    NAME,
    { name: 'Desired', cell: (o) => Number(objectAt(o, 'spec')['replicas'] ?? 0) },
    statusCount('Current', 'replicas'),
    statusCount('Ready', 'readyReplicas'),
    AGE,
  ],
  Node: [
    NAME,
    { name: 'Status', cell: nodeStatus },
    { name: 'Roles', cell: () => '<none>' },
    AGE,
    {
      name: 'Version',
      cell: (o) => stringAt(objectAt(objectAt(o, 'status'), 'nodeInfo'), 'kubeletVersion') ?? '',
    },
  ],
  Namespace: [
    NAME,
    { name: 'Status', cell: (o) => stringAt(objectAt(o, 'status'), 'phase') ?? 'Active' },
    AGE,
  ],
  ConfigMap: [
    NAME,
    {
      name: 'Data',
      cell: (o) =>
        Object.keys(objectAt(o, 'data')).length + Object.keys(objectAt(o, 'binaryData')).length,
    },
    AGE,
  ],
  Secret: [
    NAME,
    { name: 'Type', cell: (o) => stringAt(o, 'type') ?? 'Opaque' },
    { name: 'Data', cell: (o) => Object.keys(objectAt(o, 'data')).length },
    AGE,
  ],
  Endpoints: [NAME, { name: 'Endpoints', cell: endpointsText }, AGE],
  EndpointSlice: [
    NAME,
    { name: 'AddressType', cell: (o) => stringAt(o, 'addressType') ?? '' },
    {
      name: 'Ports',
      cell: (o) =>
        list(o['ports'])
          .map((p) => text(p['port']))
          .join(',') || '<unset>',
    },
    {
      name: 'Endpoints',
      cell: (o) =>
        list(o['endpoints'])
          .flatMap((e) => (Array.isArray(e['addresses']) ? e['addresses'].map(text) : []))
          .join(',') || '<unset>',
    },
    AGE,
  ],
  Lease: [
    NAME,
    { name: 'Holder', cell: (o) => stringAt(objectAt(o, 'spec'), 'holderIdentity') ?? '' },
    AGE,
  ],
};

function statusCount(name: string, field: string): Column {
  return {
    name,
    cell: (o) => {
      const value = objectAt(o, 'status')[field];
      return typeof value === 'number' ? value : 0;
    },
  };
}

function columnsOf(type: ResourceType): Column[] {
  if (type.kind === 'Event')
    return (
      COLUMNS[`${type.group === '' ? 'v1' : `${type.group}/${type.version}`}/Event`] ?? [NAME, AGE]
    );
  return COLUMNS[type.kind] ?? [NAME, AGE];
}

/** The Table for a list of objects (or one object). */
export function toTable(
  type: ResourceType,
  objects: JsonObject[],
  resourceVersion: string,
  now: Date,
): JsonObject {
  const columns = columnsOf(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: typeof c.cell({}, now) === 'number' ? 'integer' : 'string',
      format: c.format ?? '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((object) => ({
      cells: columns.map((c) => c.cell(object, now)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: objectAt(object, 'metadata'),
      },
    })),
  };
}

/**
 * The objects as `kubectl get` prints them (`wide`: with the columns of
 * `-o wide`), for the lab's own summaries.
 */
export function tableText(
  type: ResourceType,
  objects: JsonObject[],
  now: Date,
  wide: boolean,
): string {
  const columns = columnsOf(type).filter((c) => wide || (c.priority ?? 0) === 0);
  const rows = [
    columns.map((c) => c.name.toUpperCase()),
    ...objects.map((object) => columns.map((c) => String(c.cell(object, now)))),
  ];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

function externalIPs(service: JsonObject): string {
  const spec = objectAt(service, 'spec');
  const ingress = list(objectAt(objectAt(service, 'status'), 'loadBalancer')['ingress'])
    .map((i) => stringAt(i, 'ip') ?? stringAt(i, 'hostname') ?? '')
    .filter((ip) => ip !== '');
  const external = Array.isArray(spec['externalIPs'])
    ? spec['externalIPs'].filter((ip): ip is string => typeof ip === 'string')
    : [];
  if (spec['type'] === 'LoadBalancer') {
    const all = [...ingress, ...external];
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  if (spec['type'] === 'ExternalName') return stringAt(spec, 'externalName') ?? '<none>';
  return external.length > 0 ? external.join(',') : '<none>';
}

function servicePorts(service: JsonObject): string {
  const ports = list(objectAt(service, 'spec')['ports']).map((p) => {
    const node = typeof p['nodePort'] === 'number' ? `:${p['nodePort']}` : '';
    return `${text(p['port'])}${node}/${text(p['protocol']) || 'TCP'}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

/** Ready containers of all: from containerStatuses (a kubelet's), else the Ready condition. */
function podReady(pod: JsonObject): string {
  const containers = list(objectAt(pod, 'spec')['containers']).length;
  const statuses = list(objectAt(pod, 'status')['containerStatuses']);
  if (statuses.length > 0) {
    const ready = statuses.filter(
      (c) => c['ready'] === true && isObject(objectAt(c, 'state')['running']),
    );
    return `${ready.length}/${containers}`;
  }
  const ready = list(objectAt(pod, 'status')['conditions']).some(
    (c) => c['type'] === 'Ready' && c['status'] === 'True',
  );
  return `${ready ? containers : 0}/${containers}`;
}

/**
 * The STATUS column as kubectl's pod printer words it
 * (k8s.io/kubernetes pkg/printers/internalversion/printers.go, printPod):
 * the phase, or a container's waiting or terminated reason, or
 * `Terminating` once the Pod is being deleted.
 */
function podStatusText(pod: JsonObject): string {
  const status = objectAt(pod, 'status');
  let reason = stringAt(status, 'reason') ?? stringAt(status, 'phase') ?? 'Pending';
  for (const container of list(status['containerStatuses'])) {
    const state = objectAt(container, 'state');
    const waiting = stringAt(objectAt(state, 'waiting'), 'reason');
    const terminated = state['terminated'];
    if (waiting !== undefined && waiting !== '') reason = waiting;
    else if (isObject(terminated)) {
      const code = terminated['exitCode'];
      const signal = terminated['signal'];
      reason =
        stringAt(terminated, 'reason') ??
        (typeof signal === 'number' && signal !== 0
          ? `Signal:${signal}`
          : `ExitCode:${text(code)}`);
    }
  }
  return objectAt(pod, 'metadata')['deletionTimestamp'] === undefined ? reason : 'Terminating';
}

function podRestarts(pod: JsonObject): number {
  return list(objectAt(pod, 'status')['containerStatuses']).reduce(
    (sum, c) => sum + (typeof c['restartCount'] === 'number' ? c['restartCount'] : 0),
    0,
  );
}

function nodeStatus(node: JsonObject): string {
  const ready = list(objectAt(node, 'status')['conditions']).find((c) => c['type'] === 'Ready');
  return ready?.['status'] === 'True' ? 'Ready' : 'NotReady';
}

function endpointsText(endpoints: JsonObject): string {
  const shown: string[] = [];
  for (const subset of list(endpoints['subsets'])) {
    for (const address of list(subset['addresses'])) {
      for (const port of list(subset['ports']))
        shown.push(`${text(address['ip'])}:${text(port['port'])}`);
    }
  }
  return shown.length === 0
    ? '<none>'
    : shown.slice(0, 3).join(',') + (shown.length > 3 ? ` + ${shown.length - 3} more...` : '');
}

function involved(reference: JsonObject): string {
  const kind = (stringAt(reference, 'kind') ?? '').toLowerCase();
  return `${kind}/${stringAt(reference, 'name') ?? ''}`;
}

function labelsText(labels: JsonObject, empty: string): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${text(v)}`);
  return pairs.length > 0 ? pairs.join(',') : empty;
}

/** Kubernetes' HumanDuration, as kubectl shows AGE. */
export function age(timestamp: string | undefined, now: Date): string {
  if (timestamp === undefined) return '<unknown>';
  const seconds = Math.floor((now.getTime() - Date.parse(timestamp)) / 1000);
  if (Number.isNaN(seconds)) return '<unknown>';
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  return years < 8 ? `${years}y${days % 365}d` : `${years}y`;
}
