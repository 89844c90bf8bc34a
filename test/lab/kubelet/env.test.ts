/**
 * A container's environment, resolved as the kubelet resolves it: one row
 * per rule (values and $(NAME) expansion, the downward API fields,
 * Secret and ConfigMap keys, optional references, envFrom with prefixes,
 * the errors of missing objects and keys).
 */
import { expect } from 'chai';
import { resolveEnv, type EnvResult } from '../../../src/lab/kubelet/index.js';
import type { JsonObject } from '../../../src/lab/json.js';

const POD: JsonObject = {
  metadata: {
    name: 'speaker-x7k2p',
    namespace: 'metallb-system',
    uid: 'u-1',
    labels: { app: 'metallb' },
    annotations: { 'prometheus.io/port': '7472' },
  },
  spec: { nodeName: 'n1', serviceAccountName: 'speaker' },
};

const SECRETS: Record<string, JsonObject> = {
  memberlist: { data: { secretkey: Buffer.from('s3cret').toString('base64') } },
};
const CONFIG_MAPS: Record<string, JsonObject> = {
  settings: { data: { level: 'debug', port: '7946' } },
};

function env(variables: JsonObject[], envFrom: JsonObject[] = []): EnvResult {
  return resolveEnv(
    POD,
    { name: 'c', env: variables, envFrom },
    {
      hostIP: '192.0.2.11',
      podIP: '192.0.2.11',
      secret: (name) => SECRETS[name],
      configMap: (name) => CONFIG_MAPS[name],
      base: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443' },
    },
  );
}

const field = (fieldPath: string): JsonObject => ({ valueFrom: { fieldRef: { fieldPath } } });

const ROWS: {
  rule: string;
  env: JsonObject[];
  envFrom?: JsonObject[];
  want: Record<string, string>;
}[] = [
  { rule: 'a plain value', env: [{ name: 'A', value: 'x' }], want: { A: 'x' } },
  {
    rule: '$(NAME) of an earlier variable or a service variable; $$ and unknown names as written',
    env: [
      { name: 'A', value: 'x' },
      { name: 'B', value: '$(A)-$(KUBERNETES_SERVICE_PORT)-$$(A)-$(LATER)' },
      { name: 'LATER', value: 'y' },
    ],
    want: { B: 'x-6443-$(A)-$(LATER)' },
  },
  { rule: 'spec.nodeName', env: [{ name: 'N', ...field('spec.nodeName') }], want: { N: 'n1' } },
  {
    rule: 'status.hostIP',
    env: [{ name: 'H', ...field('status.hostIP') }],
    want: { H: '192.0.2.11' },
  },
  {
    rule: 'status.podIP',
    env: [{ name: 'P', ...field('status.podIP') }],
    want: { P: '192.0.2.11' },
  },
  {
    rule: 'metadata.name',
    env: [{ name: 'M', ...field('metadata.name') }],
    want: { M: 'speaker-x7k2p' },
  },
  {
    rule: 'metadata.namespace',
    env: [{ name: 'NS', ...field('metadata.namespace') }],
    want: { NS: 'metallb-system' },
  },
  {
    rule: 'spec.serviceAccountName',
    env: [{ name: 'SA', ...field('spec.serviceAccountName') }],
    want: { SA: 'speaker' },
  },
  {
    rule: "metadata.labels['app'] and annotations",
    env: [
      { name: 'L', ...field("metadata.labels['app']") },
      { name: 'AN', ...field("metadata.annotations['prometheus.io/port']") },
    ],
    want: { L: 'metallb', AN: '7472' },
  },
  {
    rule: 'secretKeyRef, decoded',
    env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'memberlist', key: 'secretkey' } } }],
    want: { K: 's3cret' },
  },
  {
    rule: 'configMapKeyRef',
    env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } }],
    want: { L: 'debug' },
  },
  {
    rule: 'an optional reference that is absent sets nothing',
    env: [
      { name: 'K', valueFrom: { secretKeyRef: { name: 'absent', key: 'k', optional: true } } },
      {
        name: 'L',
        valueFrom: { configMapKeyRef: { name: 'settings', key: 'none', optional: true } },
      },
    ],
    want: {},
  },
  {
    rule: 'envFrom with a prefix, then env wins',
    env: [{ name: 'ML_port', value: '1' }],
    envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'ML_' }],
    want: { ML_level: 'debug', ML_port: '1' },
  },
];

const ERRORS: { rule: string; env: JsonObject[]; message: string }[] = [
  {
    rule: 'a missing Secret',
    env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'memberlist2', key: 'secretkey' } } }],
    message: 'secret "memberlist2" not found',
  },
  {
    rule: 'a missing key',
    env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'memberlist', key: 'other' } } }],
    message: "couldn't find key other in Secret metallb-system/memberlist",
  },
  {
    rule: 'a missing ConfigMap',
    env: [{ name: 'L', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x' } } }],
    message: 'configmap "absent" not found',
  },
];

describe('lab kubelet: environment', () => {
  for (const row of ROWS) {
    it(row.rule, () => {
      const result = env(row.env, row.envFrom);
      expect(result.ok).to.equal(true);
      if (!result.ok) return;
      const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port, ...rest } = result.env;
      expect([host, port]).to.deep.equal(['127.0.0.1', '6443']);
      for (const [name, value] of Object.entries(row.want))
        expect(rest[name], name).to.equal(value);
      const unexpected = Object.keys(rest).filter(
        (name) => !(name in row.want) && !row.env.some((e) => e['name'] === name),
      );
      expect(unexpected).to.deep.equal([]);
    });
  }
  for (const row of ERRORS) {
    it(`refuses ${row.rule} (CreateContainerConfigError)`, () => {
      expect(env(row.env)).to.deep.equal({ ok: false, message: row.message });
    });
  }
});
