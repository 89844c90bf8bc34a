#include "tcp_dial.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "fd_poll.h"
#include "socket_address.h"
#include "system_error.h"
#include "tcp_md5.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // linux/in.h, since Linux 4.2
#endif

namespace metallb {

namespace {

struct Endpoints {
  int family = AF_UNSPEC;
  sockaddr_storage peer{};
  socklen_t peer_length = 0;
  bool bind_local = false;
  sockaddr_storage local{};
  socklen_t local_length = 0;
};

// Creates the socket, keys it, binds it and starts connect(). Returns the
// descriptor, or -1 with *err and *failed_call set; never leaves one open
// on failure.
int StartConnect(const Endpoints& endpoints, const uint8_t* key, size_t key_length,
                 const char** failed_call, int* err) {
  int fd = socket(endpoints.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) {
    *failed_call = "socket";
    *err = errno;
    return -1;
  }
  auto fail = [&](const char* call, int error) {
    *failed_call = call;
    *err = error;
    close(fd);
    return -1;
  };
  // RFC 2385 section 2.0: every segment of the connection carries the
  // signature, the SYN included, so the key must be in place before connect().
  if (key_length > 0) {
    int error = SetTcpMd5Key(fd, endpoints.peer, key, key_length);
    if (error != 0) return fail("setsockopt(TCP_MD5SIG)", error);
  }
  if (endpoints.bind_local) {
    // ip(7) IP_BIND_ADDRESS_NO_PORT: bind() with port 0 would otherwise
    // reserve an ephemeral port for every destination; with it the port is
    // chosen at connect() time, per destination, as for an unbound socket.
    // Only an optimisation, so a kernel without it is no error.
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&endpoints.local), endpoints.local_length) < 0) {
      return fail("bind", errno);
    }
  }
  // connect(2): a non-blocking socket answers EINPROGRESS and reports the
  // outcome later through writability and SO_ERROR; after EINTR the
  // connection is also established asynchronously.
  if (connect(fd, reinterpret_cast<const sockaddr*>(&endpoints.peer), endpoints.peer_length) < 0 &&
      errno != EINPROGRESS && errno != EINTR) {
    return fail("connect", errno);
  }
  return fd;
}

Napi::Error AbortError(Napi::Env env) {
  Napi::Error error = Napi::Error::New(env, "connect: aborted");
  // The shape of Node's own AbortError (name and code), so callers test one thing.
  error.Set("name", Napi::String::New(env, "AbortError"));
  error.Set("code", Napi::String::New(env, "ABORT_ERR"));
  return error;
}

}  // namespace

Napi::Function TcpDial::Define(Napi::Env env) {
  return DefineClass(env, "TcpDial", {InstanceMethod("cancel", &TcpDial::Cancel)});
}

TcpDial::TcpDial(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TcpDial>(info) {
  Napi::Env env = info.Env();
  auto absent = [&](size_t i) { return info[i].IsNull() || info[i].IsUndefined(); };
  if (info.Length() < 5 || !info[0].IsString() || !info[1].IsNumber() ||
      !(absent(2) || info[2].IsString()) ||
      !(absent(3) || (info[3].IsTypedArray() &&
                      info[3].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array)) ||
      !info[4].IsFunction()) {
    ThrowTypeError(env,
                   "expected (host: string, port: number, localAddress: string | null, "
                   "key: Uint8Array | null, onDone: function)");
    return;
  }
  std::string host = info[0].As<Napi::String>().Utf8Value();
  double port = info[1].As<Napi::Number>().DoubleValue();
  if (!(port >= 1 && port <= 65535 && port == static_cast<int>(port))) {
    Napi::RangeError::New(env, "port must be an integer from 1 to 65535")
        .ThrowAsJavaScriptException();
    return;
  }
  Endpoints endpoints;
  endpoints.family = AddressFamily(host);
  if (endpoints.family == AF_UNSPEC ||
      !SocketAddress(host, static_cast<uint16_t>(port), endpoints.family, &endpoints.peer,
                     &endpoints.peer_length)) {
    ThrowTypeError(env, "host is not an IPv4 or IPv6 address");
    return;
  }
  if (!absent(2)) {
    endpoints.bind_local = true;
    if (!SocketAddress(info[2].As<Napi::String>().Utf8Value(), 0, endpoints.family,
                       &endpoints.local, &endpoints.local_length)) {
      ThrowTypeError(env, "localAddress is not an IP address of the host's family");
      return;
    }
  }
  const uint8_t* key = nullptr;
  size_t key_length = 0;
  if (!absent(3)) {
    Napi::Uint8Array bytes = info[3].As<Napi::Uint8Array>();
    if (bytes.ByteLength() > TCP_MD5SIG_MAXKEYLEN) {
      Napi::RangeError::New(env, "a TCP MD5 key has at most 80 bytes")
          .ThrowAsJavaScriptException();
      return;
    }
    key = bytes.Data();
    key_length = bytes.ByteLength();
  }

  const char* failed_call = "";
  int err = 0;
  int fd = StartConnect(endpoints, key, key_length, &failed_call, &err);
  if (fd < 0) {
    ThrowSystemError(env, failed_call, err);
    return;
  }

  // connect(2): the end of a non-blocking connect shows as writability.
  poll_ = StartFdPoll(env, fd, UV_WRITABLE, this, &TcpDial::OnPollEvent);
  if (poll_ == nullptr) {
    close(fd);
    return;
  }

  fd_ = fd;
  on_done_ = Napi::Persistent(info[4].As<Napi::Function>());
  async_context_ = std::make_unique<Napi::AsyncContext>(env, "metallb:TcpDial");
  // While pending, the poll callback refers to this object: keep its
  // JavaScript wrapper from being collected until it settles.
  Ref();
}

TcpDial::~TcpDial() { CloseSocket(); }

void TcpDial::StopPolling() {
  if (poll_ == nullptr) return;
  // Before the descriptor is closed or handed over (uv_poll_init: the fd
  // must not be closed while a poll handle watches it). The handle's memory
  // must outlive libuv's close.
  StopFdPoll(poll_);
  poll_ = nullptr;
}

void TcpDial::CloseSocket() {
  StopPolling();
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

void TcpDial::Settle(Napi::Value error, int fd) {
  Napi::Env env = Env();
  Napi::Object self = Value();  // a local handle keeps the wrapper alive past Unref()
  Napi::FunctionReference callback = std::move(on_done_);
  Unref();
  callback.MakeCallback(self, {error, Napi::Number::New(env, fd)}, *async_context_);
}

Napi::Value TcpDial::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (on_done_.IsEmpty()) return env.Undefined();  // settled already: nothing to cancel
  CloseSocket();
  // An exception thrown by onDone propagates to the caller of cancel().
  Settle(AbortError(env).Value(), -1);
  return env.Undefined();
}

void TcpDial::OnPollEvent(uv_poll_t* handle, int status, int /*events*/) {
  TcpDial* self = static_cast<TcpDial*>(handle->data);
  if (self->on_done_.IsEmpty()) return;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  // connect(2): once writable, SO_ERROR tells whether the connection was
  // made (0) or why not (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH ...). Read it
  // also when libuv reports an error: it turns POLLERR, which is how a failed
  // connect shows, into UV_EBADF, although the descriptor is fine.
  const char* failed_call = "connect";
  int so_error = 0;
  socklen_t length = sizeof so_error;
  int err = 0;
  if (getsockopt(self->fd_, SOL_SOCKET, SO_ERROR, &so_error, &length) < 0) {
    failed_call = "getsockopt(SO_ERROR)";
    err = errno;
  } else if (so_error != 0) {
    err = so_error;
  } else if (status < 0) {
    failed_call = "uv_poll";
    err = -status;
  }
  if (err != 0) {
    self->CloseSocket();
    self->Settle(SystemError(env, failed_call, err).Value(), -1);
  } else {
    // Connected: the descriptor now belongs to JavaScript.
    self->StopPolling();
    int fd = self->fd_;
    self->fd_ = -1;
    self->Settle(env.Null(), fd);
  }
  if (env.IsExceptionPending()) {
    // onDone threw: surface it as Node does for its own I/O callbacks
    // (uncaughtException), never abort().
    Napi::Error error = env.GetAndClearPendingException();
    napi_fatal_exception(env, error.Value());
  }
}

}  // namespace metallb
