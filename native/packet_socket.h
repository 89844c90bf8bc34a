// An AF_PACKET socket bound to one interface and one ethertype, read with
// uv_poll so frames arrive on the JavaScript thread without blocking it.
// Frames in, frames out: all parsing happens in TypeScript.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <memory>

namespace metallb {

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new PacketSocket(ifindex, kind: 'arp' | 'ndp', onFrame, onError)
  explicit PacketSocket(const Napi::CallbackInfo& info);
  ~PacketSocket() override;

 private:
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value AddMembership(const Napi::CallbackInfo& info);
  Napi::Value DropMembership(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value RefHandle(const Napi::CallbackInfo& info);
  Napi::Value UnrefHandle(const Napi::CallbackInfo& info);

  Napi::Value ChangeMembership(const Napi::CallbackInfo& info, int option);
  static void OnPollEvent(uv_poll_t* handle, int status, int events);
  void ReadFrames();
  // Calls a JavaScript callback from a libuv callback; false if it threw.
  bool Deliver(Napi::FunctionReference& callback, napi_value argument);
  void StopPolling();
  void CloseSocket();

  int fd_ = -1;
  int ifindex_ = 0;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_frame_;
  Napi::FunctionReference on_error_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

}  // namespace metallb
