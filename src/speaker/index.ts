/**
 * The speaker daemon: Services + Endpoints + Nodes + Config + live members
 * -> layer 2 / BGP announcements.
 */
export {
  Announcements,
  type AnnouncementSink,
  type Announced,
  type AppliedChange,
  type ChangeReason,
} from './announcements.js';
export { SpeakerDaemon, type SpeakerOptions } from './daemon.js';
export {
  announcementFor,
  decide,
  layer2Announcer,
  ownerOf,
  poolOf,
  type Announcement,
  type Decision,
  type SpeakerView,
  type WithdrawReason,
} from './decide.js';
export {
  fromEndpoints,
  fromSlices,
  healthyEndpoints,
  NO_ENDPOINTS,
  type HealthyEndpoints,
  type ReadyEndpoints,
} from './endpoints.js';
export {
  membershipConfig,
  SpeakerMembership,
  type MembershipConfig,
  type MembershipEvents,
  type MembershipOptions,
  type MembershipSettings,
} from './membership.js';
export {
  BgpAnnouncer,
  peerLabel,
  routesFor,
  type BgpAnnouncerOptions,
  type BgpSink,
  type PeerSession,
  type PeerSessionEvents,
  type PeerSessionFactory,
} from './bgp.js';
export { bgpSessionFactory } from './bgp-sessions.js';
