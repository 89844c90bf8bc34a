/**
 * What both daemons do the same way around their own logic: watch a kind
 * through a ResilientInformer and log its failures, and record Events whose
 * failures are logged, never thrown.
 */
import {
  EventRecorder,
  ResilientInformer,
  type ApiClient,
  type BackoffOptions,
  type InformerHandlers,
  type ObjectWithMeta,
  type WatchedResource,
} from '../k8s/index.js';
import type { Log } from './log.js';

export interface ShellOptions {
  readonly api: ApiClient;
  readonly log: Log;
  /** The Events' source component: `metallb-controller` or `metallb-speaker`, as in v0.9. */
  readonly component: string;
  /** The informers' backoff after a failure; their default without it. */
  readonly backoff?: BackoffOptions;
}

export class DaemonShell {
  readonly events: EventRecorder;

  constructor(private readonly options: ShellOptions) {
    this.events = new EventRecorder(options.api, options.component, undefined, (error) =>
      options.log({ op: 'recordEvent', error: String(error), msg: 'failed to record an event' }),
    );
  }

  get api(): ApiClient {
    return this.options.api;
  }

  get log(): Log {
    return this.options.log;
  }

  /**
   * An informer over `resource` whose failures are logged with `kind`
   * (it retries on its own); `transform` trims each object to what the
   * daemon reads before it is cached.
   */
  watch<T extends ObjectWithMeta>(
    kind: string,
    resource: WatchedResource,
    handlers: Omit<InformerHandlers<T>, 'failed'>,
    transform?: (object: T) => T,
  ): ResilientInformer<T> {
    const { api, log, backoff } = this.options;
    return new ResilientInformer<T>(
      api,
      resource,
      {
        ...handlers,
        failed: (error, retryInMs) =>
          log({
            op: 'watch',
            kind,
            error: String(error),
            retryInMs,
            msg: 'watch failed, retrying',
          }),
      },
      {
        ...(backoff === undefined ? {} : { backoff }),
        ...(transform === undefined ? {} : { transform }),
      },
    );
  }
}
