#include "fd_poll.h"

#include "system_error.h"

namespace metallb {

namespace {

// The handle's memory must outlive libuv's close; it owns nothing else.
void FreeHandle(uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); }

}  // namespace

uv_poll_t* StartFdPoll(Napi::Env env, int fd, int events, void* data, uv_poll_cb callback) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    Napi::Error::New(env, "cannot get the event loop").ThrowAsJavaScriptException();
    return nullptr;
  }
  auto* poll = new uv_poll_t;
  int status = uv_poll_init(loop, poll, fd);
  if (status != 0) {
    delete poll;
    ThrowSystemError(env, "uv_poll_init", -status);
    return nullptr;
  }
  poll->data = data;
  status = uv_poll_start(poll, events, callback);
  if (status != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(poll), FreeHandle);
    ThrowSystemError(env, "uv_poll_start", -status);
    return nullptr;
  }
  return poll;
}

void StopFdPoll(uv_poll_t* poll) {
  uv_poll_stop(poll);
  uv_close(reinterpret_cast<uv_handle_t*>(poll), FreeHandle);
}

}  // namespace metallb
