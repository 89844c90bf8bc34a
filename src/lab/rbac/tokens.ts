/**
 * Who sends a request: the lab's administrator, a ServiceAccount, or nobody
 * the lab knows (401).
 *
 * ServiceAccount tokens are bound tokens as the TokenRequest API issues them
 * (https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#bound-service-account-token-volume
 * and .../authentication/#service-account-tokens): a JWT naming the
 * account's namespace, name and uid, with an expiry. The user is
 * `system:serviceaccount:NS:NAME` in the groups system:serviceaccounts,
 * system:serviceaccounts:NS and system:authenticated. A token stops working
 * when it expires, and when its ServiceAccount is deleted (even if one of
 * the same name is created again: the uid differs). The lab signs with
 * HMAC-SHA256 and a key of its own, where kube-apiserver signs with its
 * service-account key: nothing outside the lab verifies these tokens.
 *
 * The administrator's token authenticates as kubeadm's admin credentials
 * do: a user in system:masters, which every request is allowed to.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isObject, objectAt, stringAt, type Json, type JsonObject } from '../json.js';
import { findResource, resourceKey, type ResourceType } from '../resources.js';
import { invalid, notFound } from '../status.js';
import type { Store } from '../store.js';
import { serviceAccountUsername, SYSTEM_MASTERS, type UserInfo } from './authorizer.js';

export const ADMIN_USER: UserInfo = {
  name: 'kubernetes-admin',
  groups: [SYSTEM_MASTERS, 'system:authenticated'],
};

/** The audience kube-apiserver gives a token when none is asked for (kubeadm's --api-audiences). */
const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
/** TokenRequest's default and bounds (pkg/apis/authentication/validation). */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

const SERVICE_ACCOUNTS = resourceKey(findResource('', 'v1', 'serviceaccounts') as ResourceType);

interface Claims {
  readonly aud: string[];
  readonly exp: number;
  readonly iat: number;
  readonly sub: string;
  readonly 'kubernetes.io': {
    readonly namespace: string;
    readonly serviceaccount: { readonly name: string; readonly uid: string };
  };
}

export interface IssuedToken {
  readonly token: string;
  readonly expiration: Date;
  readonly audiences: readonly string[];
}

export class Authenticator {
  private readonly key = randomBytes(32);

  constructor(
    private readonly store: Store,
    private readonly adminToken: string,
    private readonly now: () => Date,
  ) {}

  /** The user an `Authorization` header names, or undefined (401). */
  authenticate(header: string | undefined): UserInfo | undefined {
    const token = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
    if (token === undefined) return undefined;
    if (sameText(token, this.adminToken)) return ADMIN_USER;
    const claims = this.verify(token);
    if (claims === undefined) return undefined;
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    const account = this.store.get(SERVICE_ACCOUNTS, namespace, serviceaccount.name);
    if (stringAt(objectAt(account, 'metadata'), 'uid') !== serviceaccount.uid) return undefined;
    return serviceAccountUser(namespace, serviceaccount.name);
  }

  /** A token for the ServiceAccount; 404 when there is none. */
  issue(
    namespace: string,
    name: string,
    expirationSeconds: number,
    audiences: readonly string[] = [DEFAULT_AUDIENCE],
  ): IssuedToken {
    const account = this.store.get(SERVICE_ACCOUNTS, namespace, name);
    if (account === undefined) throw notFound('serviceaccounts', name, '');
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const claims: Claims = {
      aud: [...audiences],
      exp: issuedAt + expirationSeconds,
      iat: issuedAt,
      sub: serviceAccountUsername(namespace, name),
      'kubernetes.io': {
        namespace,
        serviceaccount: { name, uid: stringAt(objectAt(account, 'metadata'), 'uid') ?? '' },
      },
    };
    const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
    return {
      token: `${unsigned}.${this.sign(unsigned)}`,
      expiration: new Date(claims.exp * 1000),
      audiences: claims.aud,
    };
  }

  /**
   * The TokenRequest API: POST .../serviceaccounts/NAME/token with an
   * authentication.k8s.io/v1 TokenRequest; the answer is the same object
   * with spec defaulted and status.token and status.expirationTimestamp set.
   */
  tokenRequest(namespace: string, name: string, body: Json): JsonObject {
    const spec = objectAt(body, 'spec');
    const asked = spec['expirationSeconds'];
    const expirationSeconds = typeof asked === 'number' ? asked : DEFAULT_EXPIRATION_SECONDS;
    const kind = 'TokenRequest.authentication.k8s.io';
    if (expirationSeconds < MIN_EXPIRATION_SECONDS || expirationSeconds > MAX_EXPIRATION_SECONDS) {
      const limit =
        expirationSeconds < MIN_EXPIRATION_SECONDS
          ? 'may not specify a duration less than 10 minutes'
          : 'may not specify a duration larger than 2^32 seconds';
      throw invalid(kind, name, [
        {
          field: 'spec.expirationSeconds',
          message: `Invalid value: ${expirationSeconds}: ${limit}`,
        },
      ]);
    }
    const askedAudiences = Array.isArray(spec['audiences'])
      ? spec['audiences'].filter((a): a is string => typeof a === 'string')
      : [];
    const issued = this.issue(
      namespace,
      name,
      expirationSeconds,
      askedAudiences.length > 0 ? askedAudiences : undefined,
    );
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {
        name,
        namespace,
        creationTimestamp: timestamp(this.now()),
      },
      spec: {
        audiences: [...issued.audiences],
        expirationSeconds,
        boundObjectRef: isObject(spec['boundObjectRef']) ? spec['boundObjectRef'] : null,
      },
      status: { token: issued.token, expirationTimestamp: timestamp(issued.expiration) },
    };
  }

  private verify(token: string): Claims | undefined {
    const [header, payload, signature, ...extra] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) return undefined;
    if (extra.length > 0 || !sameText(signature, this.sign(`${header}.${payload}`)))
      return undefined;
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
    } catch {
      return undefined;
    }
    if (claims.exp * 1000 <= this.now().getTime()) return undefined;
    return claims;
  }

  private sign(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Compares in constant time, so that a token cannot be guessed byte by byte from timings. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 3339 to the second, as Kubernetes writes times. */
function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The user a ServiceAccount's token authenticates as, with its groups. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: serviceAccountUsername(namespace, name),
    groups: [
      'system:serviceaccounts',
      `system:serviceaccounts:${namespace}`,
      'system:authenticated',
    ],
  };
}
