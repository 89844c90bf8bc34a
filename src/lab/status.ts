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
  | 'RequestEntityTooLarge'
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

/**
 * 403 as admission writes it: `pods "x" is forbidden: <why>` (apiserver's
 * admission.NewForbidden over errors.NewForbidden).
 */
export function forbidden(plural: string, name: string, why: string, group = ''): ApiError {
  return new ApiError(403, 'Forbidden', `${plural} "${name}" is forbidden: ${why}`, {
    name,
    group,
    kind: plural,
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

/** One field error: its path and field.Error's body (`Invalid value: "x": ...`). */
export interface FieldCause {
  readonly field: string;
  readonly message: string;
}

/**
 * 422 Invalid as apierrors.NewInvalid words it: the kind qualified by its
 * group, one cause per field error (its type from the message's leading
 * words, as field.ErrorType names them), and the causes joined as an
 * aggregate error (bracketed when there are several).
 */
export function invalid(
  kind: string,
  name: string,
  causes: readonly FieldCause[],
  group = '',
): ApiError {
  const messages = causes.map((c) => `${c.field}: ${c.message}`);
  const text = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
  const qualified = group === '' ? kind : `${kind}.${group}`;
  return new ApiError(422, 'Invalid', `${qualified} "${name}" is invalid: ${text}`, {
    name,
    ...(group === '' ? {} : { group }),
    kind,
    causes: causes.map((c) => ({
      reason: causeType(c.message),
      message: c.message,
      field: c.field,
    })),
  });
}

/** field.ErrorType's name for a message that starts with its words. */
function causeType(message: string): string {
  if (message.startsWith('Required value')) return 'FieldValueRequired';
  if (message.startsWith('Unsupported value')) return 'FieldValueNotSupported';
  if (message.startsWith('Duplicate value')) return 'FieldValueDuplicate';
  if (message.startsWith('Forbidden')) return 'FieldValueForbidden';
  if (message.startsWith('Too long')) return 'FieldValueTooLong';
  return 'FieldValueInvalid';
}

/** A resourceVersion older than the kept history: 410 with reason Expired, as the real server says it. */
export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 413 as apierrors.NewRequestEntityTooLargeError words it. */
export function requestEntityTooLarge(limit: number): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}
