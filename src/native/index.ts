/**
 * Public API of the native module: the one place that loads the C++ addon
 * (native/) and types it, and the TCP functions BGP needs from it. Layer 2
 * uses the packet sockets through nativeAddon(); other modules import only
 * from here.
 */
export type {
  NativeAddon,
  NativeIpv6Membership,
  NativePacketSocket,
  NativeTcpDial,
  PacketSocketKind,
} from './addon.js';
export { ADDON_PATH, loadAddon, nativeAddon } from './addon.js';

export { TCP_MD5_MAX_KEY_BYTES, setTcpMd5, tcpMd5KeyBytes } from './tcp-md5.js';

export type { DialTcpOptions } from './tcp-dial.js';
export { dialTcp } from './tcp-dial.js';
export type { DialError } from './dial-errors.js';
