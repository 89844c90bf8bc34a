/**
 * YAML request bodies (application/yaml, application/apply-patch+yaml),
 * bounded as kube-apiserver's YAML decoder bounds them. The apiserver reads
 * YAML through sigs.k8s.io/yaml over go-yaml v2, whose alias rule (and its
 * refusal of unknown and self-containing anchors) src/goyaml reproduces
 * over js-yaml's event stream, without expanding anything. Only a body
 * that passes is built into a value, where an alias is a shared reference.
 */
import { constructFromEvents, parseEvents, YAMLException, type Event } from 'js-yaml';
import { checkAliases, GoYamlError } from '../goyaml/index.js';
import { MAX_NESTING, MAX_REQUEST_BODY_BYTES, tooDeep } from './body.js';
import { badRequest, type ApiError } from './status.js';
import type { Json } from './json.js';

function notYaml(reason: string): ApiError {
  return badRequest(`the request body is not YAML: ${reason}`);
}

/** The single document of a YAML body as a value, or a 400 saying why not. */
export function parseYamlBody(body: Buffer): Json {
  const source = body.toString('utf8');
  let events: Event[];
  try {
    events = parseEvents(source, { maxDepth: MAX_NESTING });
  } catch (error) {
    throw notYaml(firstLine(error));
  }
  checkBodyAliases(source, events);
  let documents: unknown[];
  try {
    documents = constructFromEvents(events, { source });
  } catch (error) {
    throw notYaml(firstLine(error));
  }
  if (documents.length === 0) throw notYaml('expected a document, but the input is empty');
  if (documents.length > 1)
    throw notYaml('expected a single document in the stream, but found more');
  return documents[0] as Json;
}

/**
 * go-yaml's alias checks, with the lab's bounds. Aliases may also repeat
 * long scalars: a few hundred aliases of a 1 MiB string pass go-yaml's node
 * count and stand for hundreds of MiB of text. The lab refuses a body whose
 * expansion stands for more text than a request may carry; kube-apiserver
 * would decode it and then fail to store it (etcd takes at most 1.5 MiB per
 * object), so nothing storable is refused.
 */
function checkBodyAliases(source: string, events: Event[]): void {
  try {
    checkAliases(source, events, {
      maxNesting: MAX_NESTING,
      maxExpandedText: MAX_REQUEST_BODY_BYTES,
    });
  } catch (error) {
    if (!(error instanceof GoYamlError)) throw error;
    throw error.refusal === 'too-deep' ? tooDeep() : notYaml(error.message);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof YAMLException || error instanceof Error ? error.message : '';
  return message.split('\n')[0] ?? String(error);
}
