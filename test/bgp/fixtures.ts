/**
 * BGP messages written by hand from the RFC layouts, one line per field, for the golden tests.
 *
 * The cast: our speaker is AS 64512 (0xfc00) with BGP Identifier and next hop 198.51.100.1
 * (c6 33 64 01) and 2001:db8:100::1; it announces 203.0.113.10/32 (cb 00 71 0a) and
 * 2001:db8:203::10/128. Lengths are summed beside each message.
 */

/** Bytes from hex text; spaces are ignored, so each argument can be one field. */
export function hexBytes(...fields: string[]): Uint8Array {
  const text = fields.join('').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`bad hex fixture: ${text}`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** RFC 4271 section 4.1: the 16-byte marker, all ones. */
export const MARKER = 'ff'.repeat(16);

/** RFC 4271 section 4.4: a KEEPALIVE is the header alone, 19 bytes. */
export const KEEPALIVE = hexBytes(
  MARKER,
  '00 13', // length 19
  '04', //    type KEEPALIVE
);

/** OPEN, AS 64512, capabilities MP IPv4 unicast, MP IPv6 unicast, 4-octet AS 64512. */
export const OPEN_64512 = hexBytes(
  MARKER,
  '00 31', //       length 19 + 10 + 20 = 49
  '01', //          type OPEN
  '04', //          version 4
  'fc 00', //       My Autonomous System 64512
  '00 5a', //       hold time 90
  'c6 33 64 01', // BGP Identifier 198.51.100.1
  '14', //          Opt Parm Len 20
  '02', //          parameter type 2: Capabilities (RFC 5492)
  '12', //          parameter length 18
  '01 04', //       capability 1 (multiprotocol), length 4
  '00 01 00 01', // AFI 1 (IPv4), reserved, SAFI 1 (unicast)
  '01 04', //       capability 1 (multiprotocol), length 4
  '00 02 00 01', // AFI 2 (IPv6), reserved, SAFI 1 (unicast)
  '41 04', //       capability 65 (4-octet AS), length 4
  '00 00 fc 00', // AS 64512
);

/** OPEN, AS 4200000001 (0xfa56ea01): AS_TRANS (23456 = 0x5ba0) in My Autonomous System. */
export const OPEN_4200000001 = hexBytes(
  MARKER,
  '00 25', //       length 19 + 10 + 8 = 37
  '01', //          type OPEN
  '04', //          version 4
  '5b a0', //       My Autonomous System: AS_TRANS
  '00 5a', //       hold time 90
  'c6 33 64 01', // BGP Identifier 198.51.100.1
  '08', //          Opt Parm Len 8
  '02 06', //       Capabilities parameter, length 6
  '41 04', //       capability 65 (4-octet AS), length 4
  'fa 56 ea 01', // AS 4200000001
);

/** iBGP UPDATE announcing 203.0.113.10/32 (the same bytes with or without 4-octet AS). */
export const UPDATE_IBGP_V4 = hexBytes(
  MARKER,
  '00 3c', //                length 19 + 4 + 32 + 5 = 60
  '02', //                   type UPDATE
  '00 00', //                Withdrawn Routes Length 0
  '00 20', //                Total Path Attribute Length 4 + 3 + 7 + 7 + 11 = 32
  '40 01 01', //             ORIGIN: well-known transitive, type 1, length 1
  '02', //                   INCOMPLETE
  '40 02 00', //             AS_PATH: type 2, length 0 (empty: iBGP)
  '40 03 04', //             NEXT_HOP: type 3, length 4
  'c6 33 64 01', //          198.51.100.1
  '40 05 04', //             LOCAL_PREF: type 5, length 4
  '00 00 00 64', //          100
  'c0 08 08', //             COMMUNITIES: optional transitive, type 8, length 8
  'fc 00 00 01', //          64512:1
  'ff ff ff 01', //          65535:65281 (NO_ADVERTISE, RFC 1997)
  '20 cb 00 71 0a', //       NLRI: /32 203.0.113.10
);

/** eBGP UPDATE, AS_PATH [64512] with 4-octet AS numbers (RFC 6793 section 4.1). */
export const UPDATE_EBGP_AS4 = hexBytes(
  MARKER,
  '00 3b', //       length 19 + 4 + 31 + 5 = 59
  '02', //          type UPDATE
  '00 00', //       Withdrawn Routes Length 0
  '00 1f', //       Total Path Attribute Length 4 + 9 + 7 + 11 = 31
  '40 01 01 02', // ORIGIN INCOMPLETE
  '40 02 06', //    AS_PATH, length 6
  '02 01', //       AS_SEQUENCE of 1
  '00 00 fc 00', // 64512 in 4 bytes
  '40 03 04 c6 33 64 01', // NEXT_HOP 198.51.100.1
  'c0 08 08 fc 00 00 01 ff ff ff 01', // COMMUNITIES 64512:1, 65535:65281
  '20 cb 00 71 0a', // NLRI 203.0.113.10/32
);

/** The same with 2-octet AS numbers. */
export const UPDATE_EBGP_AS2 = hexBytes(
  MARKER,
  '00 39', //       length 19 + 4 + 29 + 5 = 57
  '02', //          type UPDATE
  '00 00', //       Withdrawn Routes Length 0
  '00 1d', //       Total Path Attribute Length 4 + 7 + 7 + 11 = 29
  '40 01 01 02', // ORIGIN INCOMPLETE
  '40 02 04', //    AS_PATH, length 4
  '02 01', //       AS_SEQUENCE of 1
  'fc 00', //       64512 in 2 bytes
  '40 03 04 c6 33 64 01', // NEXT_HOP 198.51.100.1
  'c0 08 08 fc 00 00 01 ff ff ff 01', // COMMUNITIES
  '20 cb 00 71 0a', // NLRI
);

/**
 * AS_PATH [4200000001] towards a 2-octet speaker: AS_TRANS in AS_PATH and the true path in
 * AS4_PATH (RFC 6793 section 4.2.2).
 */
export const UPDATE_AS_TRANS = hexBytes(
  MARKER,
  '00 42', //       length 19 + 4 + 38 + 5 = 66
  '02', //          type UPDATE
  '00 00', //       Withdrawn Routes Length 0
  '00 26', //       Total Path Attribute Length 4 + 7 + 7 + 11 + 9 = 38
  '40 01 01 02', // ORIGIN INCOMPLETE
  '40 02 04 02 01 5b a0', // AS_PATH: AS_SEQUENCE [AS_TRANS]
  '40 03 04 c6 33 64 01', // NEXT_HOP 198.51.100.1
  'c0 08 08 fc 00 00 01 ff ff ff 01', // COMMUNITIES
  'c0 11 06', //    AS4_PATH: optional transitive, type 17, length 6
  '02 01 fa 56 ea 01', // AS_SEQUENCE [4200000001]
  '20 cb 00 71 0a', // NLRI
);

/** 2001:db8:100::1 and 2001:db8:203::10, 16 bytes each. */
const NEXT_HOP_V6 = '20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 01';
const VIP6 = '20 01 0d b8 02 03 00 00 00 00 00 00 00 00 00 10';

/** IPv6 UPDATE: 2001:db8:203::10/128 in MP_REACH_NLRI (RFC 4760 section 3), no NEXT_HOP. */
export const UPDATE_V6 = hexBytes(
  MARKER,
  '00 4e', //       length 19 + 4 + 55 = 78
  '02', //          type UPDATE
  '00 00', //       Withdrawn Routes Length 0
  '00 37', //       Total Path Attribute Length 4 + 3 + 7 + 41 = 55
  '40 01 01 02', // ORIGIN INCOMPLETE
  '40 02 00', //    AS_PATH empty
  '40 05 04 00 00 00 64', // LOCAL_PREF 100
  '80 0e 26', //    MP_REACH_NLRI: optional non-transitive, type 14, length 38
  '00 02', //       AFI 2 (IPv6)
  '01', //          SAFI 1 (unicast)
  '10', //          next hop length 16
  NEXT_HOP_V6, //   2001:db8:100::1
  '00', //          reserved
  '80', //          NLRI: /128
  VIP6, //          2001:db8:203::10
);

/** Withdrawal of 203.0.113.10/32 in Withdrawn Routes. */
export const WITHDRAW_V4 = hexBytes(
  MARKER,
  '00 1c', //          length 19 + 2 + 5 + 2 = 28
  '02', //             type UPDATE
  '00 05', //          Withdrawn Routes Length 5
  '20 cb 00 71 0a', // /32 203.0.113.10
  '00 00', //          Total Path Attribute Length 0
);

/** Withdrawal of 2001:db8:203::10/128 in MP_UNREACH_NLRI (RFC 4760 section 4). */
export const WITHDRAW_V6 = hexBytes(
  MARKER,
  '00 2e', //    length 19 + 4 + 23 = 46
  '02', //       type UPDATE
  '00 00', //    Withdrawn Routes Length 0
  '00 17', //    Total Path Attribute Length 3 + 20 = 23
  '80 0f 14', // MP_UNREACH_NLRI: optional non-transitive, type 15, length 20
  '00 02 01', // AFI 2, SAFI 1
  '80', //       /128
  VIP6, //       2001:db8:203::10
);

/** NOTIFICATION Cease / Administrative Shutdown (RFC 4486 section 3). */
export const NOTIFICATION_6_2 = hexBytes(
  MARKER,
  '00 15', // length 21
  '03', //    type NOTIFICATION
  '06', //    error code 6: Cease
  '02', //    subcode 2: Administrative Shutdown
);

/** ROUTE-REFRESH for IPv6 unicast (RFC 2918 section 3). */
export const ROUTE_REFRESH_V6 = hexBytes(
  MARKER,
  '00 17', // length 23
  '05', //    type ROUTE-REFRESH
  '00 02', // AFI 2
  '00', //    reserved
  '01', //    SAFI 1
);

/** Every golden message, for the fuzz test's seeds. */
export const GOLDEN_MESSAGES: readonly Uint8Array[] = [
  KEEPALIVE,
  OPEN_64512,
  OPEN_4200000001,
  UPDATE_IBGP_V4,
  UPDATE_EBGP_AS4,
  UPDATE_EBGP_AS2,
  UPDATE_AS_TRANS,
  UPDATE_V6,
  WITHDRAW_V4,
  WITHDRAW_V6,
  NOTIFICATION_6_2,
  ROUTE_REFRESH_V6,
];
