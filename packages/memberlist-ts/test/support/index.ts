/**
 * `memberlist-ts/testing`: the harness of the interop tests, for programs
 * that embed this package and want to test against real nodes too: a
 * HashiCorp memberlist (Go) peer built from Debian's source (go-peer.ts),
 * the child-process plumbing it shares with our own member (member-process.ts),
 * and a polling wait (until.ts).
 */
export {
  ensureGoPeer,
  goEnv,
  goPeerOrSkip,
  GOCODE,
  GoPeer,
  killAllGoPeers,
  startGoPeer,
  GO_PEER_SOURCE,
  type GoPeerBuild,
  type GoPeerOptions,
} from './go-peer.js';
export {
  canBind,
  eventIs,
  freePort,
  killMemberProcesses,
  MemberProcess,
  parseMemberEvent,
  type Lifetime,
  type MemberEvent,
  type MemberEventOf,
  type MemberExit,
  type MemberRecord,
  type MemberSpawn,
  type MemberState,
} from './member-process.js';
export { startTsMember, TsMember, type TsMemberOptions } from './ts-member.js';
export { until } from './until.js';
