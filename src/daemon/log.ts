/** One structured log line, with v0.9's keys (`op`, `event`, `msg`, `service`, `ip`, `pool`, `error`). */
export type Log = (fields: Record<string, string | number | boolean>) => void;
