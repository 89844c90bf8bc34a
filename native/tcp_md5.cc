#include "tcp_md5.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstring>
#include <string>

#include "socket_address.h"
#include "system_error.h"

namespace metallb {

int SetTcpMd5Key(int fd, const sockaddr_storage& peer, const uint8_t* key, size_t key_length) {
  if (key_length > TCP_MD5SIG_MAXKEYLEN) return EINVAL;
  // tcp(7): TCP_MD5SIG takes a struct tcp_md5sig; a key of length 0 deletes
  // the peer's key. The kernel matches segments on tcpm_addr alone.
  tcp_md5sig signature{};
  signature.tcpm_addr = peer;
  signature.tcpm_keylen = static_cast<uint16_t>(key_length);
  if (key_length > 0) std::memcpy(signature.tcpm_key, key, key_length);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &signature, sizeof signature) < 0) return errno;
  return 0;
}

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
  sockaddr_storage peer{};
  socklen_t peer_length = 0;
  if (!SocketAddress(info[1].As<Napi::String>().Utf8Value(), 0, family, &peer, &peer_length)) {
    ThrowTypeError(env, "peerAddress is not an IPv4 or IPv6 address of the socket's family");
    return env.Undefined();
  }
  int err = SetTcpMd5Key(fd, peer, key.Data(), key.ByteLength());
  if (err != 0) ThrowSystemError(env, "setsockopt(TCP_MD5SIG)", err);
  return env.Undefined();
}

}  // namespace metallb
