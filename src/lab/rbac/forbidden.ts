/**
 * The 403 a denied request gets, worded as kube-apiserver words it
 * (k8s.io/apiserver's responsewriters.Forbidden and apimachinery's
 * errors.NewForbidden): `services "web" is forbidden: User "U" cannot patch
 * resource "services/status" in API group "" in the namespace "default"`;
 * without a name `services is forbidden: ...`; a group other than the core
 * one qualifies the resource (`endpointslices.discovery.k8s.io`);
 * cluster-scoped requests end `at the cluster scope`; a non-resource
 * request reads `forbidden: User "U" cannot get path "/version"`. Details
 * carry name, group and kind (the resource) when they are not empty.
 */
import type { JsonObject } from '../json.js';
import { ApiError } from '../status.js';
import type { UserInfo } from './authorizer.js';
import type { RequestAttributes } from './request-attributes.js';

export function forbidden(user: UserInfo, attributes: RequestAttributes, reason: string): ApiError {
  const because = reason === '' ? '' : `: ${reason}`;
  if (attributes.kind === 'non-resource') {
    const message = `User ${quote(user.name)} cannot ${attributes.verb} path ${quote(attributes.path)}`;
    return new ApiError(403, 'Forbidden', `forbidden: ${message}${because}`);
  }
  const { verb, apiGroup, resource, subresource, namespace, name } = attributes;
  const fullResource = subresource === '' ? resource : `${resource}/${subresource}`;
  const where = namespace === '' ? 'at the cluster scope' : `in the namespace ${quote(namespace)}`;
  const message = `User ${quote(user.name)} cannot ${verb} resource ${quote(fullResource)} in API group ${quote(apiGroup)} ${where}${because}`;
  const qualified = apiGroup === '' ? resource : `${resource}.${apiGroup}`;
  const subject = name === '' ? qualified : `${qualified} ${quote(name)}`;
  const details: JsonObject = {};
  if (name !== '') details['name'] = name;
  if (apiGroup !== '') details['group'] = apiGroup;
  if (resource !== '') details['kind'] = resource;
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${message}`, details);
}

/** Go's %q for the names and paths that appear here. */
const quote = (text: string): string => JSON.stringify(text);
