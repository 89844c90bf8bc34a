// Errors from system calls, shaped like Node's own (message, code, errno,
// syscall), so JavaScript can tell ENETDOWN from EPERM without parsing text.
#pragma once

#include <napi.h>

namespace metallb {

// An Error for `syscall` failing with `err` (an errno value).
Napi::Error SystemError(Napi::Env env, const char* syscall, int err);

// Throws SystemError(env, syscall, err) as a pending JavaScript exception.
void ThrowSystemError(Napi::Env env, const char* syscall, int err);

// Throws a TypeError with `message`.
void ThrowTypeError(Napi::Env env, const char* message);

}  // namespace metallb
