/**
 * The objects as they cross the wire. client-node's model types describe
 * objects after its ObjectSerializer has turned timestamps into Dates; our
 * client hands out the JSON the API server sent, where they are RFC 3339
 * strings. `Wire<T>` is that JSON shape, so the models' field lists stay the
 * single source of the API's types (imported as types only: they cost
 * nothing at run time).
 */
import type {
  CoreV1Event,
  V1ConfigMap,
  V1EndpointSlice,
  V1Endpoints,
  V1Node,
  V1ObjectReference,
  V1Pod,
  V1Service,
  V1Status,
} from '@kubernetes/client-node';

export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? Wire<Item>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type Service = Wire<V1Service>;
export type ConfigMap = Wire<V1ConfigMap>;
export type Node = Wire<V1Node>;
export type Endpoints = Wire<V1Endpoints>;
export type EndpointSlice = Wire<V1EndpointSlice>;
export type Pod = Wire<V1Pod>;
export type Event = Wire<CoreV1Event>;
export type ObjectReference = Wire<V1ObjectReference>;
export type Status = Wire<V1Status>;

/** What every object the informers keep has: a name, maybe a namespace, a resourceVersion. */
export interface ObjectWithMeta {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
  };
}

/** A list as the API server answers a collection GET. */
export interface ObjectList<T> {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly items: T[];
}

/** One line of a watch stream (`?watch=true`). */
export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  /** The object; for ERROR, a Status. */
  readonly object: T | Status;
}
