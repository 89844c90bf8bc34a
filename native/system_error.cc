#include "system_error.h"

#include <uv.h>

#include <cstring>
#include <string>

namespace metallb {

Napi::Error SystemError(Napi::Env env, const char* syscall, int err) {
  std::string message = std::string(syscall) + ": " + std::strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  // libuv's error numbers are the negated errno values on Linux.
  error.Set("code", Napi::String::New(env, uv_err_name(-err)));
  error.Set("errno", Napi::Number::New(env, -err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

void ThrowSystemError(Napi::Env env, const char* syscall, int err) {
  SystemError(env, syscall, err).ThrowAsJavaScriptException();
}

void ThrowTypeError(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
}

}  // namespace metallb
