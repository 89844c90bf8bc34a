// TCP MD5 signatures (RFC 2385) for BGP sessions with a password: Node has
// no API for setsockopt(TCP_MD5SIG).
#pragma once

#include <napi.h>

namespace metallb {

// setTcpMd5(fd: number, peerAddress: string, key: Uint8Array): void
// An empty key removes the peer's key.
Napi::Value SetTcpMd5(const Napi::CallbackInfo& info);

}  // namespace metallb
