/**
 * What two OPENs agree on (RFC 4271 section 4.2 for the hold time, RFC 6793 for 4-octet AS
 * numbers, RFC 4760 for address families).
 */
import { AFI_IPV4, SAFI_UNICAST, type Capability, type OpenMessage } from './types.js';

export interface AddressFamily {
  readonly afi: number;
  readonly safi: number;
}

export interface Negotiated {
  /** Seconds: the smaller hold time, 0 (no keepalives, no hold timer) if either side sent 0. */
  readonly holdTime: number;
  /** Both sides sent the 4-octet AS capability: AS_PATH uses 4-byte AS numbers. */
  readonly fourOctetAs: boolean;
  /** The peer's AS: from its 4-octet AS capability when present, else its My Autonomous System. */
  readonly remoteAsn: number;
  /** Families both sides sent; IPv4 unicast alone for a side that sent no multiprotocol capability. */
  readonly families: readonly AddressFamily[];
  /** Both sides sent the route refresh capability (RFC 2918). */
  readonly routeRefresh: boolean;
}

function familiesOf(capabilities: readonly Capability[]): AddressFamily[] {
  const families: AddressFamily[] = [];
  for (const capability of capabilities) {
    if (capability.kind !== 'multiprotocol') continue;
    if (!families.some((f) => f.afi === capability.afi && f.safi === capability.safi)) {
      families.push({ afi: capability.afi, safi: capability.safi });
    }
  }
  // RFC 4760 section 8: a speaker that sends no multiprotocol capability speaks IPv4 unicast.
  return families.length > 0 ? families : [{ afi: AFI_IPV4, safi: SAFI_UNICAST }];
}

function fourOctetAsOf(capabilities: readonly Capability[]): number | undefined {
  for (const capability of capabilities) {
    if (capability.kind === 'fourOctetAs') return capability.asn;
  }
  return undefined;
}

/** The session parameters both OPENs agree on. */
export function negotiate(local: OpenMessage, remote: OpenMessage): Negotiated {
  const holdTime =
    local.holdTime === 0 || remote.holdTime === 0 ? 0 : Math.min(local.holdTime, remote.holdTime);
  const localAs4 = fourOctetAsOf(local.capabilities);
  const remoteAs4 = fourOctetAsOf(remote.capabilities);
  const remoteFamilies = familiesOf(remote.capabilities);
  const families = familiesOf(local.capabilities).filter((mine) =>
    remoteFamilies.some((theirs) => theirs.afi === mine.afi && theirs.safi === mine.safi),
  );
  const refresh = (caps: readonly Capability[]) => caps.some((c) => c.kind === 'routeRefresh');
  return {
    holdTime,
    fourOctetAs: localAs4 !== undefined && remoteAs4 !== undefined,
    remoteAsn: remoteAs4 ?? remote.myAs,
    families,
    routeRefresh: refresh(local.capabilities) && refresh(remote.capabilities),
  };
}
