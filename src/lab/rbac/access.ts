/**
 * Authentication then authorization of one request, in the order
 * kube-apiserver applies them: no known credentials is 401; a user RBAC
 * does not allow is 403. Every decision goes to the listeners (tests record
 * which permissions the daemons used).
 */
import type { Json, JsonObject } from '../json.js';
import { ApiError } from '../status.js';
import type { Store } from '../store.js';
import { authorize, type Decision, type RbacPolicy, type UserInfo } from './authorizer.js';
import { forbidden } from './forbidden.js';
import { requestAttributes, type RequestAttributes } from './request-attributes.js';
import { storePolicy } from './store-policy.js';
import { Authenticator, serviceAccountUser } from './tokens.js';

export interface AuthorizationRecord {
  readonly user: UserInfo;
  readonly attributes: RequestAttributes;
  readonly allowed: boolean;
}

export class LabAccess {
  private readonly authenticator: Authenticator;
  private readonly policy: RbacPolicy;
  private readonly listeners = new Set<(record: AuthorizationRecord) => void>();

  constructor(store: Store, adminToken: string, now: () => Date) {
    this.authenticator = new Authenticator(store, adminToken, now);
    this.policy = storePolicy(store);
  }

  /** The user the request may proceed as; throws the 401 or 403 it gets otherwise. */
  check(
    authorization: string | undefined,
    method: string,
    pathname: string,
    query: URLSearchParams,
  ): UserInfo {
    const user = this.authenticator.authenticate(authorization);
    if (user === undefined) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const attributes = requestAttributes(method, pathname, query);
    const decision = this.decide(user, attributes);
    if (!decision.allowed) throw forbidden(user, attributes, decision.reason);
    return user;
  }

  /**
   * May the ServiceAccount `use` the PodSecurityPolicy (in the pod's
   * namespace)? PodSecurityPolicy admission asks the authorizer this for the
   * pod's service account ("Pod Security Policies", section "Authorizing
   * Policies", https://v1-24.docs.kubernetes.io/docs/concepts/security/pod-security-policy/);
   * the answer is recorded like a request's.
   */
  mayUsePolicy(serviceAccount: { namespace: string; name: string }, policy: string): boolean {
    const attributes: RequestAttributes = {
      kind: 'resource',
      verb: 'use',
      apiGroup: 'policy',
      apiVersion: 'v1beta1',
      resource: 'podsecuritypolicies',
      subresource: '',
      namespace: serviceAccount.namespace,
      name: policy,
      path: '',
    };
    const user = serviceAccountUser(serviceAccount.namespace, serviceAccount.name);
    return this.decide(user, attributes).allowed;
  }

  private decide(user: UserInfo, attributes: RequestAttributes): Decision {
    const decision = authorize(this.policy, user, attributes);
    for (const listener of this.listeners)
      listener({ user, attributes, allowed: decision.allowed });
    return decision;
  }

  onDecision(listener: (record: AuthorizationRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A token for the ServiceAccount, valid `expirationSeconds`; 404 when there is none. */
  issueToken(namespace: string, name: string, expirationSeconds: number): string {
    return this.authenticator.issue(namespace, name, expirationSeconds).token;
  }

  /** The answer to a TokenRequest (POST .../serviceaccounts/NAME/token). */
  tokenRequest(namespace: string, name: string, body: Json): JsonObject {
    return this.authenticator.tokenRequest(namespace, name, body);
  }
}
