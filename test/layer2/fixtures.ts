/**
 * Frames written by hand from the RFC layouts, one line per field, for the golden tests.
 *
 * The cast: our node (MAC 02:00:00:00:00:01) announces 203.0.113.5 and 2001:db8:203::5; a
 * client (MAC 02:00:00:00:00:0a) at 203.0.113.10 and 2001:db8:203::10 asks for them.
 *
 * ICMPv6 checksums were summed by hand (16-bit words of the pseudo-header and the message,
 * carries folded, complemented); the arithmetic is beside each one.
 */

/** Bytes from hex text; spaces are ignored, so each argument can be one field. */
export function hexBytes(...fields: string[]): Uint8Array {
  const text = fields.join('').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`bad hex fixture: ${text}`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** n zero bytes written as hex, for padding. */
export function zeros(n: number): string {
  return '00'.repeat(n);
}

export const OUR_MAC = hexBytes('02 00 00 00 00 01');
export const CLIENT_MAC = hexBytes('02 00 00 00 00 0a');
export const VIP4 = '203.0.113.5';
export const VIP6 = '2001:db8:203::5';

/** ARP request: who has 203.0.113.5? tell 203.0.113.10 (RFC 826), padded to 60 bytes. */
export const ARP_REQUEST_FRAME = hexBytes(
  'ff ff ff ff ff ff', // Ethernet destination: broadcast
  '02 00 00 00 00 0a', // Ethernet source: the client
  '08 06', //             EtherType: ARP
  '00 01', //             hardware type: Ethernet
  '08 00', //             protocol type: IPv4
  '06', //                hardware address length
  '04', //                protocol address length
  '00 01', //             operation: request
  '02 00 00 00 00 0a', // sender hardware address: the client
  'cb 00 71 0a', //       sender protocol address: 203.0.113.10
  '00 00 00 00 00 00', // target hardware address: unknown
  'cb 00 71 05', //       target protocol address: 203.0.113.5
  zeros(18), //           padding to the 60-byte minimum frame
);

/** Our answer to ARP_REQUEST_FRAME: 203.0.113.5 is at 02:00:00:00:00:01. */
export const ARP_REPLY_FRAME = hexBytes(
  '02 00 00 00 00 0a', // Ethernet destination: the requester's sender hardware address
  '02 00 00 00 00 01', // Ethernet source: us
  '08 06', //             EtherType: ARP
  '00 01 08 00 06 04', // Ethernet, IPv4, 6, 4
  '00 02', //             operation: reply
  '02 00 00 00 00 01', // sender hardware address: us
  'cb 00 71 05', //       sender protocol address: 203.0.113.5
  '02 00 00 00 00 0a', // target hardware address: the requester
  'cb 00 71 0a', //       target protocol address: 203.0.113.10
  zeros(18), //           padding
);

/**
 * Neighbor Solicitation from 2001:db8:203::10 for 2001:db8:203::5, sent to the target's
 * solicited-node group ff02::1:ff00:5, with a Source Link-Layer Address option.
 *
 * Checksum: pseudo-header words 2001+0db8+0203+0010 (source) + ff02+0001+ff00+0005
 * (destination) + 0020 (length 32) + 003a (next header) = 0x22e2e; message words
 * 8700 + 2001+0db8+0203+0005 (target) + 0101+0200+0000+000a (option) = 0xb9cc;
 * total 0x2e7fa, folded 0xe7fc, complemented 0x1803.
 */
export const NS_FRAME = hexBytes(
  '33 33 ff 00 00 05', // Ethernet destination: multicast MAC of ff02::1:ff00:5 (RFC 2464 s7)
  '02 00 00 00 00 0a', // Ethernet source: the client
  '86 dd', //             EtherType: IPv6
  '60 00 00 00', //       version 6, traffic class 0, flow label 0
  '00 20', //             payload length: 32
  '3a', //                next header: ICMPv6 (58)
  'ff', //                hop limit: 255
  '2001 0db8 0203 0000 0000 0000 0000 0010', // source: 2001:db8:203::10
  'ff02 0000 0000 0000 0000 0001 ff00 0005', // destination: ff02::1:ff00:5
  '87', //                ICMPv6 type: 135, Neighbor Solicitation
  '00', //                code 0
  '18 03', //             checksum
  '00 00 00 00', //       reserved
  '2001 0db8 0203 0000 0000 0000 0000 0005', // target address: 2001:db8:203::5
  '01', //                option type 1: Source Link-Layer Address
  '01', //                option length: 1 unit of 8 bytes
  '02 00 00 00 00 0a', // the client's MAC
);

/** Offset of the ICMPv6 message in NS_FRAME: 14 (Ethernet) + 40 (IPv6). */
export const NS_ICMP_OFFSET = 54;

/**
 * Our answer to NS_FRAME: a solicited Neighbor Advertisement from the target address to the
 * solicitation's source, Solicited and Override set, our MAC in a Target Link-Layer option.
 *
 * Checksum: 2001+0db8+0203+0005 (source) + 2001+0db8+0203+0010 (destination) + 0020 + 003a
 * + 8800 + 6000 (flags) + 2001+0db8+0203+0005 (target) + 0201+0200+0000+0001 = 0x17baa,
 * folded 0x7bab, complemented 0x8454.
 */
export const NA_REPLY_FRAME = hexBytes(
  '02 00 00 00 00 0a', // Ethernet destination: the solicitation's source link-layer address
  '02 00 00 00 00 01', // Ethernet source: us
  '86 dd', //             EtherType: IPv6
  '60 00 00 00', //       version 6, traffic class 0, flow label 0
  '00 20', //             payload length: 32
  '3a', //                next header: ICMPv6
  'ff', //                hop limit: 255
  '2001 0db8 0203 0000 0000 0000 0000 0005', // source: the target address itself
  '2001 0db8 0203 0000 0000 0000 0000 0010', // destination: the solicitation's source
  '88', //                ICMPv6 type: 136, Neighbor Advertisement
  '00', //                code 0
  '84 54', //             checksum
  '60 00 00 00', //       flags: R=0, S=1, O=1; reserved
  '2001 0db8 0203 0000 0000 0000 0000 0005', // target address
  '02', //                option type 2: Target Link-Layer Address
  '01', //                option length: 1
  '02 00 00 00 00 01', // our MAC
);

/**
 * The unsolicited Neighbor Advertisement for 2001:db8:203::5: to all-nodes, Override set,
 * Solicited clear.
 *
 * Checksum: 2001+0db8+0203+0005 + ff02+0001 (ff02::1) + 0020 + 003a + 8800 + 2000 (flags)
 * + 2001+0db8+0203+0005 + 0201+0200+0000+0001 = 0x20ae1, folded 0x0ae3, complemented 0xf51c.
 */
export const UNSOLICITED_NA_FRAME = hexBytes(
  '33 33 00 00 00 01', // Ethernet destination: multicast MAC of ff02::1
  '02 00 00 00 00 01', // Ethernet source: us
  '86 dd', //             EtherType: IPv6
  '60 00 00 00', //       version 6
  '00 20', //             payload length: 32
  '3a', //                next header: ICMPv6
  'ff', //                hop limit: 255
  '2001 0db8 0203 0000 0000 0000 0000 0005', // source: the announced address
  'ff02 0000 0000 0000 0000 0000 0000 0001', // destination: ff02::1
  '88', //                type 136
  '00', //                code 0
  'f5 1c', //             checksum
  '20 00 00 00', //       flags: R=0, S=0, O=1
  '2001 0db8 0203 0000 0000 0000 0000 0005', // target address
  '02 01', //             Target Link-Layer Address option, length 1
  '02 00 00 00 00 01', // our MAC
);

/** The gratuitous ARP request and reply for 203.0.113.5 (v0.9: target hardware broadcast). */
export const GRATUITOUS_ARP_FRAMES = [1, 2].map((operation) =>
  hexBytes(
    'ff ff ff ff ff ff', // Ethernet destination: broadcast
    '02 00 00 00 00 01', // Ethernet source: us
    '08 06', //             EtherType: ARP
    '00 01 08 00 06 04', // Ethernet, IPv4, 6, 4
    `00 0${operation}`, //  operation: 1 request, then 2 reply
    '02 00 00 00 00 01', // sender hardware address: us
    'cb 00 71 05', //       sender protocol address: the announced address
    'ff ff ff ff ff ff', // target hardware address: broadcast, as v0.9 sent it
    'cb 00 71 05', //       target protocol address: the announced address again
    zeros(18), //           padding
  ),
);
