// IPv6 multicast group membership at the IP level, so that the kernel sends
// MLD reports and switches that snoop MLD forward the group to this port
// (a packet socket's PACKET_ADD_MEMBERSHIP only programs the local NIC).
#pragma once

#include <napi.h>

namespace metallb {

class Ipv6Membership : public Napi::ObjectWrap<Ipv6Membership> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new Ipv6Membership(ifindex)
  explicit Ipv6Membership(const Napi::CallbackInfo& info);
  ~Ipv6Membership() override;

 private:
  Napi::Value Join(const Napi::CallbackInfo& info);
  Napi::Value Leave(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Change(const Napi::CallbackInfo& info, int option, const char* syscall);

  int fd_ = -1;
  int ifindex_ = 0;
};

}  // namespace metallb
