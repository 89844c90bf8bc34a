/**
 * API errors as the real server writes them: a `Status` object with the
 * HTTP code, a reason clients switch on, and details naming the object.
 */
import type { JsonObject } from './json.js';

export type Reason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: Reason,
    message: string,
    readonly details: JsonObject = {},
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

/** `services "web" not found`, as kubectl prints it; details name the resource and its group. */
export function notFound(plural: string, name: string, group: string): ApiError {
  return new ApiError(404, 'NotFound', `${plural} "${name}" not found`, {
    name,
    kind: plural,
    group,
  });
}

export function alreadyExists(plural: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${plural} "${name}" already exists`, {
    name,
    kind: plural,
  });
}

export function conflict(plural: string, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: plural },
  );
}

export function invalid(
  kind: string,
  name: string,
  causes: { field: string; message: string }[],
): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${text}`, {
    name,
    kind,
    causes: causes.map((c) => ({
      reason: 'FieldValueInvalid',
      message: c.message,
      field: c.field,
    })),
  });
}

/** A resourceVersion older than the kept history: 410 with reason Expired, as the real server says it. */
export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}
