/**
 * The held addresses a config is checked against, read as v0.9 held them:
 * its allocator kept the net.IP that net.ParseIP made of the status
 * (v0.9.6 controller/service.go convergeBalancer), and SetPools refused a
 * config under which one lay in no pool's CIDR (internal/allocator
 * allocator.go SetPools, poolFor, IPNet.Contains, which reads an
 * IPv4-mapped address as IPv4).
 */
import { expect } from 'chai';
import { parseConfig, type Config } from '../../src/config/index.js';
import { formatIP } from '../../src/ip/index.js';
import {
  heldAddresses,
  heldAddressesRefusal,
  serviceRequest,
  type ServiceRequest,
} from '../../src/service/index.js';

function holder(name: string, ip: string): ServiceRequest {
  return serviceRequest({
    metadata: { namespace: 'ns', name },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.1', ports: [{ port: 80 }] },
    status: { loadBalancer: { ingress: [{ ip }] } },
  });
}

function pools(text: string): Config {
  const read = parseConfig(text);
  if (!read.ok) throw new Error(read.errors.map((e) => e.message).join('; '));
  return read.config;
}

const CONFIG = pools(
  'address-pools:\n- {name: lab, protocol: layer2, addresses: [192.0.2.0/24]}\n',
);

describe('service: held addresses, as v0.9 held them', () => {
  it('reads an IPv4-mapped or leading-zero status as the IPv4 address', () => {
    for (const ip of ['::ffff:192.0.2.5', '192.000.002.005', '::ffff:c000:205']) {
      expect(heldAddresses(holder('a', ip)).map(formatIP), ip).to.deep.equal(['192.0.2.5']);
    }
  });

  it('takes a config whose IPv4 pool holds them, and refuses one that leaves them out', () => {
    const holders = [holder('mapped', '::ffff:192.0.2.5'), holder('zeros', '192.0.2.006')];
    expect(heldAddressesRefusal(CONFIG, holders)).to.equal(undefined);
    expect(heldAddressesRefusal(CONFIG, [holder('out', '::ffff:203.0.113.9')])).to.include(
      'ns/out (203.0.113.9)',
    );
  });
});
