// An outgoing TCP connection for a BGP session, dialled with what Node's
// net.connect cannot do: an RFC 2385 TCP MD5 key set before connect(), so
// that the SYN is signed too. The connect() is non-blocking and its end is
// waited for with uv_poll, so the event loop never blocks; the connected
// descriptor is handed to JavaScript, which adopts it as a net.Socket.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>

namespace metallb {

class TcpDial : public Napi::ObjectWrap<TcpDial> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new TcpDial(host, port, localAddress | null, key | null, onDone)
  // Throws at once when the socket cannot even be set up (bad arguments,
  // bind() to an address this host does not have, ...); otherwise calls
  // onDone(error, fd) exactly once: (null, fd) when connected, the fd then
  // belonging to the caller; (Error with code, -1) when not.
  explicit TcpDial(const Napi::CallbackInfo& info);
  ~TcpDial() override;

 private:
  // cancel(): closes the descriptor and calls onDone with an AbortError
  // (code 'ABORT_ERR') synchronously, if the dial is still pending.
  Napi::Value Cancel(const Napi::CallbackInfo& info);

  static void OnPollEvent(uv_poll_t* handle, int status, int events);
  // Stops waiting and calls onDone once; `fd` is -1 unless connected.
  void Settle(Napi::Value error, int fd);
  void StopPolling();
  void CloseSocket();

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_done_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

}  // namespace metallb
