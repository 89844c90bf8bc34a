/**
 * The pools the controller's one-Service tests converge in: an auto-assign
 * IPv4 pool, an IPv4 pool only asked for by name, and an IPv6 pool.
 */
import { parseConfig, type Config } from '../../src/config/index.js';
import type { ModelPool } from './v09-converge-model.js';

function config(text: string): Config {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

export const CONFIG = config(`address-pools:
- {name: default, protocol: layer2, addresses: [192.0.2.0/29]}
- {name: reserved, protocol: layer2, auto-assign: false, addresses: [198.51.100.0/30]}
- {name: v6, protocol: layer2, addresses: ['2001:db8::/126']}
`);

/** CONFIG's pools written out address by address, for the model of v0.9. */
export const MODEL_POOLS: readonly ModelPool[] = [
  {
    name: 'default',
    autoAssign: true,
    addresses: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `192.0.2.${i}`),
  },
  { name: 'reserved', autoAssign: false, addresses: [0, 1, 2, 3].map((i) => `198.51.100.${i}`) },
  {
    name: 'v6',
    autoAssign: true,
    addresses: ['2001:db8::', '2001:db8::1', '2001:db8::2', '2001:db8::3'],
  },
];
