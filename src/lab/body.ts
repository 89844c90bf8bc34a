/**
 * Request bodies as kube-apiserver bounds them: at most 3 MiB are read
 * (MaxRequestBodyBytes, the default of k8s.io/apiserver's ServerRunOptions;
 * the handlers' limitedReadBody answers 413 past it), and a parsed body may
 * nest only so deep. YAML bodies are read by yaml-body.ts.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, requestEntityTooLarge, type ApiError } from './status.js';
import type { Json } from './json.js';

/** kube-apiserver's --max-request-body-bytes default: 3 * 1024 * 1024. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/**
 * The deepest nesting of objects and arrays a body may have. kube-apiserver's
 * JSON and YAML decoders stop at 10000 levels; the lab stops at 1000,
 * because its own recursive code (JSON.stringify of responses, freezing
 * stored objects, patches) runs out of stack a few thousand levels down.
 * No Kubernetes object comes near either figure.
 */
export const MAX_NESTING = 1000;

/**
 * The whole body, or a 413 as soon as it passes the limit. The rest of an
 * oversized body is read and dropped (nothing kept), so the client, which
 * may still be sending, gets the answer.
 */
export function readBody(
  request: IncomingMessage,
  limit = MAX_REQUEST_BODY_BYTES,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        parts.length = 0;
        reject(requestEntityTooLarge(limit));
      } else parts.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

export function parseJsonBody(body: Buffer): Json {
  let value: Json;
  try {
    value = JSON.parse(body.toString('utf8')) as Json;
  } catch (error) {
    throw badRequest(
      `the request body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (nestingOf(value, MAX_NESTING) > MAX_NESTING) throw tooDeep();
  return value;
}

/** The 400 for a body (or a YAML body's alias expansion) nested past MAX_NESTING. */
export function tooDeep(): ApiError {
  return badRequest(`the request body nests objects and arrays deeper than ${MAX_NESTING} levels`);
}

/**
 * How deep objects and arrays nest in `value` (a scalar: 0), counted
 * without recursion; the count stops once it passes `stopAbove`.
 */
function nestingOf(value: Json, stopAbove: number): number {
  let deepest = 0;
  const pending: { value: Json; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > stopAbove) return deepest;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children)
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth });
  }
  return deepest;
}
