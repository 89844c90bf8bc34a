// The native addon: what Node cannot do by itself on Linux, and nothing more.
// Frames in, frames out; every protocol is parsed in TypeScript. TCP
// sockets it only keys and connects, then hands them to Node.
#include <napi.h>

#include "ipv6_membership.h"
#include "packet_socket.h"
#include "tcp_dial.h"
#include "tcp_md5.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("PacketSocket", metallb::PacketSocket::Define(env));
  exports.Set("Ipv6Membership", metallb::Ipv6Membership::Define(env));
  exports.Set("TcpDial", metallb::TcpDial::Define(env));
  exports.Set("setTcpMd5", Napi::Function::New(env, metallb::SetTcpMd5, "setTcpMd5"));
  return exports;
}

}  // namespace

NODE_API_MODULE(metallb_native, Init)
