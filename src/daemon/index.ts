/**
 * The shell both daemons share: the log line type, the keyed work queue,
 * informers whose failures are logged, Events, and the taking or refusing
 * of the `config` ConfigMap. The controller and the speaker add their own
 * logic around it; nothing here decides about a Service.
 */
export type { Log } from './log.js';
export { DAEMON_RETRY_MS, KeyedWorkQueue, type WorkQueueOptions } from './work-queue.js';
export { DaemonShell, type ShellOptions } from './shell.js';
export { ConfigKeeper, type ConfigKeeperOptions } from './config-keeper.js';
export {
  CONFIG_PARSE_HEAP_MB,
  CONFIG_PARSE_INLINE_MAX_BYTES,
  CONFIG_PARSE_TIMEOUT_MS,
  ConfigParser,
  sharedConfigParser,
  type ConfigParserOptions,
  type ParseConfigData,
} from './config-parser.js';
