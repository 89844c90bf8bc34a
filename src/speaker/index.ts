/**
 * The speaker daemon: Services + Endpoints + Nodes + Config + live members
 * -> layer 2 / BGP announcements. Built so far: its memberlist.
 */
export {
  membershipConfig,
  SpeakerMembership,
  type MembershipConfig,
  type MembershipEvents,
  type MembershipOptions,
  type MembershipSettings,
} from './membership.js';
