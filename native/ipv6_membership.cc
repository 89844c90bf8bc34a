#include "ipv6_membership.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "system_error.h"

namespace metallb {

namespace {
constexpr size_t kIpv6Length = 16;
}  // namespace

Napi::Function Ipv6Membership::Define(Napi::Env env) {
  return DefineClass(env, "Ipv6Membership",
                     {
                         InstanceMethod("join", &Ipv6Membership::Join),
                         InstanceMethod("leave", &Ipv6Membership::Leave),
                         InstanceMethod("close", &Ipv6Membership::Close),
                     });
}

Ipv6Membership::Ipv6Membership(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Ipv6Membership>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() <= 0) {
    ThrowTypeError(env, "expected (ifindex: positive number)");
    return;
  }
  // A raw ICMPv6 socket is the cheapest IPv6 socket that can join groups.
  // It is never read, so it must never queue anything: block every type.
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (fd < 0) {
    ThrowSystemError(env, "socket", errno);
    return;
  }
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) < 0) {
    int saved = errno;
    close(fd);
    ThrowSystemError(env, "setsockopt(ICMP6_FILTER)", saved);
    return;
  }
  fd_ = fd;
  ifindex_ = info[0].As<Napi::Number>().Int32Value();
}

// No libuv handle here, so the collector may finalize an unclosed one:
// closing the descriptor then leaves every group it joined.
Ipv6Membership::~Ipv6Membership() {
  if (fd_ >= 0) close(fd_);
}

Napi::Value Ipv6Membership::Join(const Napi::CallbackInfo& info) {
  return Change(info, IPV6_JOIN_GROUP, "setsockopt(IPV6_JOIN_GROUP)");
}

Napi::Value Ipv6Membership::Leave(const Napi::CallbackInfo& info) {
  return Change(info, IPV6_LEAVE_GROUP, "setsockopt(IPV6_LEAVE_GROUP)");
}

Napi::Value Ipv6Membership::Change(const Napi::CallbackInfo& info, int option,
                                   const char* syscall) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[0].As<Napi::Uint8Array>().ByteLength() != kIpv6Length) {
    ThrowTypeError(env, "expected an IPv6 group address as a Uint8Array of 16 bytes");
    return env.Undefined();
  }
  if (fd_ < 0) {
    ThrowSystemError(env, syscall, EBADF);
    return env.Undefined();
  }
  ipv6_mreq request{};
  std::memcpy(&request.ipv6mr_multiaddr, info[0].As<Napi::Uint8Array>().Data(), kIpv6Length);
  request.ipv6mr_interface = ifindex_;
  if (setsockopt(fd_, IPPROTO_IPV6, option, &request, sizeof request) < 0) {
    ThrowSystemError(env, syscall, errno);
  }
  return env.Undefined();
}

Napi::Value Ipv6Membership::Close(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  return info.Env().Undefined();
}

}  // namespace metallb
