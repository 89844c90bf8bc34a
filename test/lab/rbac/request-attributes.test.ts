/**
 * Request attributes from method, path and query, case by case as
 * k8s.io/apiserver's RequestInfoFactory derives them (requestinfo.go and its
 * tests; https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb).
 */
import { expect } from 'chai';
import { requestAttributes, type RequestAttributes } from '../../../src/lab/rbac/index.js';

/**
 * method, URL, and the attributes as `verb group:resource[/subresource] namespace/name`
 * (a non-resource request: `verb path`).
 */
type Row = readonly [string, string, string];

const ROWS: readonly Row[] = [
  // Verbs from the method and whether a name is given.
  ['GET', '/api/v1/namespaces/default/services/web', 'get :services default/web'],
  ['HEAD', '/api/v1/namespaces/default/services/web', 'get :services default/web'],
  ['GET', '/api/v1/namespaces/default/services', 'list :services default/'],
  ['GET', '/api/v1/services', 'list :services /'],
  ['GET', '/api/v1/services?watch=true', 'watch :services /'],
  ['GET', '/api/v1/services?watch=1', 'watch :services /'],
  ['GET', '/api/v1/services?watch=false', 'list :services /'],
  ['GET', '/api/v1/services?watch=yes', 'list :services /'],
  ['POST', '/api/v1/namespaces/default/services', 'create :services default/'],
  ['PUT', '/api/v1/namespaces/default/services/web', 'update :services default/web'],
  ['PATCH', '/api/v1/namespaces/default/services/web', 'patch :services default/web'],
  ['DELETE', '/api/v1/namespaces/default/services/web', 'delete :services default/web'],
  ['DELETE', '/api/v1/namespaces/default/services', 'deletecollection :services default/'],
  ['GET', '/api/v1/namespaces/default/configmaps/a%3Ab', 'get :configmaps default/a:b'],
  // Subresources.
  ['PATCH', '/api/v1/namespaces/default/services/web/status', 'patch :services/status default/web'],
  ['PUT', '/api/v1/namespaces/default/services/web/status', 'update :services/status default/web'],
  [
    'POST',
    '/api/v1/namespaces/ms/serviceaccounts/controller/token',
    'create :serviceaccounts/token ms/controller',
  ],
  // Named groups.
  ['GET', '/apis/discovery.k8s.io/v1/endpointslices', 'list discovery.k8s.io:endpointslices /'],
  [
    'GET',
    '/apis/discovery.k8s.io/v1/namespaces/a/endpointslices?watch=true',
    'watch discovery.k8s.io:endpointslices a/',
  ],
  [
    'GET',
    '/apis/rbac.authorization.k8s.io/v1/clusterroles/view',
    'get rbac.authorization.k8s.io:clusterroles /view',
  ],
  // The legacy watch prefix, with and without a name.
  ['GET', '/api/v1/watch/namespaces/default/services', 'watch :services default/'],
  ['GET', '/api/v1/watch/namespaces/default/services/web', 'watch :services default/web'],
  ['GET', '/apis/apps/v1/watch/deployments', 'watch apps:deployments /'],
  // A Namespace is in itself; its status too.
  ['GET', '/api/v1/namespaces/default', 'get :namespaces default/default'],
  ['GET', '/api/v1/namespaces', 'list :namespaces /'],
  ['PUT', '/api/v1/namespaces/ms/status', 'update :namespaces/status ms/ms'],
  ['PUT', '/api/v1/namespaces/ms/finalize', 'update :namespaces/finalize ms/ms'],
  // A field selector on the name names the object of a list or watch.
  [
    'GET',
    '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name%3Dconfig',
    'list :configmaps ms/config',
  ],
  [
    'GET',
    '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name%3D%3Dconfig&watch=true',
    'watch :configmaps ms/config',
  ],
  [
    'GET',
    '/api/v1/namespaces/ms/configmaps?fieldSelector=type%3Dx,metadata.name%3Dconfig',
    'list :configmaps ms/config',
  ],
  [
    'GET',
    '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name!%3Dconfig',
    'list :configmaps ms/',
  ],
  [
    'GET',
    '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name%3D..',
    'list :configmaps ms/',
  ],
  [
    'DELETE',
    '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name%3Dconfig',
    'deletecollection :configmaps ms/',
  ],
  // Non-resource requests: the lowercase method and the path.
  ['GET', '/version', 'get /version'],
  ['GET', '/version/', 'get /version/'],
  ['GET', '/api', 'get /api'],
  ['GET', '/api/v1', 'get /api/v1'],
  ['GET', '/apis', 'get /apis'],
  ['GET', '/apis/discovery.k8s.io', 'get /apis/discovery.k8s.io'],
  ['GET', '/apis/discovery.k8s.io/v1', 'get /apis/discovery.k8s.io/v1'],
  ['GET', '/openapi/v3/api/v1', 'get /openapi/v3/api/v1'],
  ['GET', '/healthz', 'get /healthz'],
  ['POST', '/lab/faults', 'post /lab/faults'],
];

describe('lab RBAC: request attributes', () => {
  for (const [method, url, expected] of ROWS) {
    it(`${method} ${url}: ${expected}`, () => {
      const parsed = new URL(url, 'https://lab');
      expect(summary(requestAttributes(method, parsed.pathname, parsed.searchParams))).to.equal(
        expected,
      );
    });
  }
});

function summary(attributes: RequestAttributes): string {
  if (attributes.kind === 'non-resource') return `${attributes.verb} ${attributes.path}`;
  const { verb, apiGroup, resource, subresource, namespace, name } = attributes;
  const sub = subresource === '' ? '' : `/${subresource}`;
  return `${verb} ${apiGroup}:${resource}${sub} ${namespace}/${name}`;
}
