// TCP MD5 signatures (RFC 2385) for BGP sessions with a password: Node has
// no API for setsockopt(TCP_MD5SIG).
#pragma once

#include <napi.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace metallb {

// setTcpMd5(fd: number, peerAddress: string, key: Uint8Array): void
// An empty key removes the peer's key.
Napi::Value SetTcpMd5(const Napi::CallbackInfo& info);

// setsockopt(TCP_MD5SIG) on `fd` for segments to and from `peer` (its port
// is ignored); at most TCP_MD5SIG_MAXKEYLEN bytes. Returns 0 or an errno value.
int SetTcpMd5Key(int fd, const sockaddr_storage& peer, const uint8_t* key, size_t key_length);

}  // namespace metallb
