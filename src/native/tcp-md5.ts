/**
 * RFC 2385 TCP MD5 signature keys, as BGP passwords (MetalLB v0.9 `password`)
 * are: Node has no API for setsockopt(TCP_MD5SIG), the addon does it.
 */
import { nativeAddon } from './addon.js';

/** TCP_MD5SIG_MAXKEYLEN of linux/tcp.h: the kernel refuses longer keys. */
export const TCP_MD5_MAX_KEY_BYTES = 80;

/**
 * The key's bytes (a string is UTF-8, as a password in the ConfigMap is);
 * a RangeError when longer than the kernel takes.
 */
export function tcpMd5KeyBytes(key: string | Uint8Array): Uint8Array {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length > TCP_MD5_MAX_KEY_BYTES) {
    throw new RangeError(
      `a TCP MD5 key has at most ${TCP_MD5_MAX_KEY_BYTES} bytes, not ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * RFC 2385 TCP MD5 signatures on a TCP socket descriptor, for BGP peers
 * with a password. Set it before connect() (or on the listening socket):
 * the SYN is signed too. An empty key removes it. Throws an Error with
 * `code` (EBADF, ENOTSOCK, EINVAL ...).
 */
export function setTcpMd5(fd: number, peerAddress: string, key: string | Uint8Array): void {
  nativeAddon().setTcpMd5(fd, peerAddress, tcpMd5KeyBytes(key));
}
