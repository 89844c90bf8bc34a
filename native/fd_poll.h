// A libuv poll handle on a descriptor the addon owns: how the packet
// sockets wait for frames and the TCP dial waits for its connect, without
// blocking Node's event loop.
#pragma once

#include <napi.h>
#include <uv.h>

namespace metallb {

// Starts watching `fd` for `events` (UV_READABLE, UV_WRITABLE) on the
// environment's loop, calling `callback` with handle->data = `data`. On
// failure returns nullptr with a JavaScript exception pending; the
// descriptor is left open for the caller to close.
uv_poll_t* StartFdPoll(Napi::Env env, int fd, int events, void* data, uv_poll_cb callback);

// Stops and closes a handle from StartFdPoll; its memory is freed once
// libuv has closed it. Call before the descriptor is closed or handed over
// (uv_poll_init: a watched fd must not be closed under the handle).
void StopFdPoll(uv_poll_t* poll);

}  // namespace metallb
