/**
 * How go-yaml v2 (gopkg.in/yaml.v2 v2.4.0) reads YAML, for the readers that
 * must agree with it: the config (v0.9 read it with yaml.v2) and the lab's
 * request bodies (kube-apiserver reads them with sigs.k8s.io/yaml over
 * yaml.v2). Pure; imports only js-yaml.
 */
export { checkAliases, GoYamlError, type ExpansionLimits, type GoYamlRefusal } from './aliases.js';
export {
  decodeGoBase64,
  decodeGoInt,
  resolvePlain,
  type GoInt,
  type GoIntKind,
  type Resolved,
} from './resolve.js';
export {
  buildTree,
  GO_YAML_TAG,
  lineLocator,
  startOf,
  type AliasNode,
  type CollectionNode,
  type ScalarNode,
  type YamlNode,
} from './tree.js';
