#include "tcp_md5.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "system_error.h"

namespace metallb {

namespace {

// Fills `address` for `text`, in the family of the socket: an IPv4 peer of
// an IPv6 socket is written as ::ffff:a.b.c.d, as the kernel sees it there.
bool PeerAddress(const std::string& text, int socket_family, sockaddr_storage* address) {
  in_addr ipv4{};
  in6_addr ipv6{};
  if (inet_pton(AF_INET, text.c_str(), &ipv4) == 1) {
    if (socket_family == AF_INET6) {
      auto* mapped = reinterpret_cast<sockaddr_in6*>(address);
      mapped->sin6_family = AF_INET6;
      mapped->sin6_addr.s6_addr[10] = 0xff;
      mapped->sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&mapped->sin6_addr.s6_addr[12], &ipv4, 4);
    } else {
      auto* plain = reinterpret_cast<sockaddr_in*>(address);
      plain->sin_family = AF_INET;
      plain->sin_addr = ipv4;
    }
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), &ipv6) == 1) {
    auto* plain = reinterpret_cast<sockaddr_in6*>(address);
    plain->sin6_family = AF_INET6;
    plain->sin6_addr = ipv6;
    return true;
  }
  return false;
}

}  // namespace

Napi::Value SetTcpMd5(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(env, "expected (fd: number, peerAddress: string, key: Uint8Array)");
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Uint8Array key = info[2].As<Napi::Uint8Array>();
  if (key.ByteLength() > TCP_MD5SIG_MAXKEYLEN) {
    Napi::RangeError::New(env, "a TCP MD5 key has at most 80 bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int family = 0;
  socklen_t family_length = sizeof family;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &family_length) < 0) {
    ThrowSystemError(env, "getsockopt(SO_DOMAIN)", errno);
    return env.Undefined();
  }
  tcp_md5sig signature{};
  if (!PeerAddress(info[1].As<Napi::String>().Utf8Value(), family, &signature.tcpm_addr)) {
    ThrowTypeError(env, "peerAddress is not an IPv4 or IPv6 address");
    return env.Undefined();
  }
  signature.tcpm_keylen = static_cast<uint16_t>(key.ByteLength());
  std::memcpy(signature.tcpm_key, key.Data(), key.ByteLength());
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &signature, sizeof signature) < 0) {
    ThrowSystemError(env, "setsockopt(TCP_MD5SIG)", errno);
  }
  return env.Undefined();
}

}  // namespace metallb
