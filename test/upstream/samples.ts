/**
 * MetalLB v0.9.6's example configs, described as the CLI tests describe
 * this project's samples (test/support/v09-samples.ts).
 */
import { join } from 'node:path';
import { FIXTURES } from '../support/paths.js';
import type { UpstreamFiles } from '../support/upstream.js';
import type { V09Samples } from '../support/v09-samples.js';

export function upstreamSamples(files: UpstreamFiles): V09Samples {
  return {
    origin: "v0.9.6's example configs",
    bgp: join(files.v09Manifests, 'example-config.yaml'),
    bgpExpect: {
      pool: 'my-ip-space',
      // 192.168.0.150-192.168.0.200: .150-.151 /31, .152-.159 /29, .160-.191 /27, .192-.199 /29, .200 /32
      cidrs: [
        '198.51.100.0/24',
        '192.168.0.150/31',
        '192.168.0.152/29',
        '192.168.0.160/27',
        '192.168.0.192/29',
        '192.168.0.200/32',
      ],
      // avoid-buggy-ips: the /24 loses .0 and .255 (254); the range has neither (51).
      addresses: '305',
      // no-export is the alias of 65535:65281 (RFC 1997); sorted after 64512:1.
      communities: ['64512:1', '65535:65281'],
      holdTimeSeconds: 120,
      password: 'yourPassword',
      routerId: 'router-id: 1.2.3.4',
      routerIdLine: 27,
      planServices: join(FIXTURES, 'plan', 'new-user-services.yaml'),
    },
    layer2: join(files.v09Manifests, 'example-layer2-config.yaml'),
    layer2Pool: 'my-ip-space',
  };
}
