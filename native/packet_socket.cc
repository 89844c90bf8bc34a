#include "packet_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "fd_poll.h"
#include "system_error.h"

namespace metallb {

namespace {

// One busy interface must not starve the event loop: after this many frames
// the rest wait for the next loop iteration (uv_poll is level-triggered).
constexpr int kMaxFramesPerWakeup = 64;

// Large enough for any frame a packet socket can hand over, GRO included.
constexpr size_t kReceiveBufferSize = 65536;

constexpr size_t kMacLength = 6;

// Classic BPF run by the kernel on each IPv6 frame: keep ICMPv6 Neighbor
// Solicitations only, so IPv6 data traffic never wakes the speaker. Offsets
// are from the start of the Ethernet header (SOCK_RAW): ethertype at 12,
// the IPv6 Next Header at 14 + 6 (RFC 8200 section 3), the ICMPv6 type at
// 14 + 40 (RFC 4443 section 2.1). A solicitation behind extension headers
// is not matched; RFC 4861 senders do not put any there.
constexpr uint8_t kIcmpv6NeighborSolicitation = 135;
sock_filter kNeighborSolicitationFilter[] = {
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 5),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 3),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kIcmpv6NeighborSolicitation, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, 0x40000),  // keep the whole frame
    BPF_STMT(BPF_RET | BPF_K, 0),        // drop
};

struct Kind {
  uint16_t ethertype;
  bool only_neighbor_solicitations;
};

bool ParseKind(const std::string& name, Kind* kind) {
  if (name == "arp") {
    *kind = {ETH_P_ARP, false};
    return true;
  }
  if (name == "ndp") {
    *kind = {ETH_P_IPV6, true};
    return true;
  }
  return false;
}

// Opens, filters and binds the socket; returns the fd, or -1 with errno set
// and *failed_call naming the call that failed.
int OpenBound(int ifindex, const Kind& kind, const char** failed_call) {
  // Protocol 0 receives nothing until bind(), so no frame of another
  // interface or ethertype is queued before the filter and the bind apply.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *failed_call = "socket";
    return -1;
  }
  if (kind.only_neighbor_solicitations) {
    sock_fprog program{};
    program.len = sizeof(kNeighborSolicitationFilter) / sizeof(kNeighborSolicitationFilter[0]);
    program.filter = kNeighborSolicitationFilter;
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0) {
      *failed_call = "setsockopt(SO_ATTACH_FILTER)";
      int saved = errno;
      close(fd);
      errno = saved;
      return -1;
    }
  }
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(kind.ethertype);
  address.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    *failed_call = "bind";
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

}  // namespace

Napi::Function PacketSocket::Define(Napi::Env env) {
  return DefineClass(env, "PacketSocket",
                     {
                         InstanceMethod("send", &PacketSocket::Send),
                         InstanceMethod("addMembership", &PacketSocket::AddMembership),
                         InstanceMethod("dropMembership", &PacketSocket::DropMembership),
                         InstanceMethod("close", &PacketSocket::Close),
                         InstanceMethod("ref", &PacketSocket::RefHandle),
                         InstanceMethod("unref", &PacketSocket::UnrefHandle),
                     });
}

PacketSocket::PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsFunction() ||
      !info[3].IsFunction()) {
    ThrowTypeError(env, "expected (ifindex: number, kind: 'arp' | 'ndp', onFrame, onError)");
    return;
  }
  int ifindex = info[0].As<Napi::Number>().Int32Value();
  if (ifindex <= 0) {
    ThrowTypeError(env, "ifindex must be a positive integer");
    return;
  }
  Kind kind{};
  if (!ParseKind(info[1].As<Napi::String>().Utf8Value(), &kind)) {
    ThrowTypeError(env, "kind must be 'arp' or 'ndp'");
    return;
  }

  const char* failed_call = "";
  int fd = OpenBound(ifindex, kind, &failed_call);
  if (fd < 0) {
    ThrowSystemError(env, failed_call, errno);
    return;
  }

  poll_ = StartFdPoll(env, fd, UV_READABLE, this, &PacketSocket::OnPollEvent);
  if (poll_ == nullptr) {
    close(fd);
    return;
  }

  fd_ = fd;
  ifindex_ = ifindex;
  on_frame_ = Napi::Persistent(info[2].As<Napi::Function>());
  on_error_ = Napi::Persistent(info[3].As<Napi::Function>());
  async_context_ = std::make_unique<Napi::AsyncContext>(env, "metallb:PacketSocket");
  // While open, the poll callback refers to this object: keep its
  // JavaScript wrapper from being collected until close().
  Ref();
}

PacketSocket::~PacketSocket() { CloseSocket(); }

void PacketSocket::StopPolling() {
  if (poll_ == nullptr) return;
  StopFdPoll(poll_);
  poll_ = nullptr;
}

void PacketSocket::CloseSocket() {
  StopPolling();
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

Napi::Value PacketSocket::Close(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) {
    CloseSocket();
    Unref();
  }
  return info.Env().Undefined();
}

Napi::Value PacketSocket::RefHandle(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value PacketSocket::UnrefHandle(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value PacketSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) {
    ThrowTypeError(env, "send expects a Uint8Array frame");
    return env.Undefined();
  }
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(env, "send expects a Uint8Array frame");
    return env.Undefined();
  }
  if (fd_ < 0) {
    ThrowSystemError(env, "send", EBADF);
    return env.Undefined();
  }
  Napi::Uint8Array frame = array.As<Napi::Uint8Array>();
  // The socket is bound to the interface and the ethertype: the frame goes
  // out as given, Ethernet header included.
  ssize_t sent = send(fd_, frame.Data(), frame.ByteLength(), 0);
  if (sent < 0) {
    ThrowSystemError(env, "send", errno);
  } else if (static_cast<size_t>(sent) != frame.ByteLength()) {
    Napi::Error::New(env, "send: the frame was truncated").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value PacketSocket::AddMembership(const Napi::CallbackInfo& info) {
  return ChangeMembership(info, PACKET_ADD_MEMBERSHIP);
}

Napi::Value PacketSocket::DropMembership(const Napi::CallbackInfo& info) {
  return ChangeMembership(info, PACKET_DROP_MEMBERSHIP);
}

// Makes the NIC accept (or stop accepting) frames for one multicast MAC.
// The kernel counts additions per socket and drops them all on close.
Napi::Value PacketSocket::ChangeMembership(const Napi::CallbackInfo& info, int option) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[0].As<Napi::Uint8Array>().ByteLength() != kMacLength) {
    ThrowTypeError(env, "expected a MAC address as a Uint8Array of 6 bytes");
    return env.Undefined();
  }
  const char* syscall = option == PACKET_ADD_MEMBERSHIP ? "setsockopt(PACKET_ADD_MEMBERSHIP)"
                                                        : "setsockopt(PACKET_DROP_MEMBERSHIP)";
  if (fd_ < 0) {
    ThrowSystemError(env, syscall, EBADF);
    return env.Undefined();
  }
  packet_mreq request{};
  request.mr_ifindex = ifindex_;
  request.mr_type = PACKET_MR_MULTICAST;
  request.mr_alen = kMacLength;
  std::memcpy(request.mr_address, info[0].As<Napi::Uint8Array>().Data(), kMacLength);
  if (setsockopt(fd_, SOL_PACKET, option, &request, sizeof request) < 0) {
    ThrowSystemError(env, syscall, errno);
  }
  return env.Undefined();
}

void PacketSocket::OnPollEvent(uv_poll_t* handle, int status, int /*events*/) {
  PacketSocket* self = static_cast<PacketSocket*>(handle->data);
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  if (status < 0) {
    // The descriptor itself is unusable: stop polling, say why, keep the
    // process alive (the owner decides whether to reopen).
    self->StopPolling();
    self->Deliver(self->on_error_, SystemError(env, "uv_poll", -status).Value());
    return;
  }
  self->ReadFrames();
}

void PacketSocket::ReadFrames() {
  Napi::Env env = Env();
  static thread_local uint8_t buffer[kReceiveBufferSize];
  for (int i = 0; i < kMaxFramesPerWakeup && fd_ >= 0; i++) {
    sockaddr_ll from{};
    socklen_t from_length = sizeof from;
    ssize_t length = recvfrom(fd_, buffer, sizeof buffer, MSG_TRUNC,
                              reinterpret_cast<sockaddr*>(&from), &from_length);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // For example ENETDOWN once when the interface goes down: report it,
      // keep polling (the socket works again when the link comes back).
      Deliver(on_error_, SystemError(env, "recvfrom", errno).Value());
      return;
    }
    // Frames this host sends are not ours to answer. Linux shows outgoing
    // frames only to ETH_P_ALL sockets, so this is a guard, not a filter.
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    // Larger than any frame a speaker answers; a partial copy would only mislead.
    if (static_cast<size_t>(length) > sizeof buffer) continue;
    Napi::Buffer<uint8_t> frame = Napi::Buffer<uint8_t>::Copy(env, buffer, length);
    if (!Deliver(on_frame_, frame)) return;
  }
}

bool PacketSocket::Deliver(Napi::FunctionReference& callback, napi_value argument) {
  Napi::Env env = Env();
  if (callback.IsEmpty()) return false;
  // MakeCallback runs the microtasks queued by the callback, as for any I/O
  // callback of Node's own.
  callback.MakeCallback(Value(), {argument}, *async_context_);
  if (env.IsExceptionPending()) {
    // A listener threw: surface it as Node does for its own sockets
    // (uncaughtException), never abort().
    Napi::Error error = env.GetAndClearPendingException();
    napi_fatal_exception(env, error.Value());
    return false;
  }
  return true;
}

}  // namespace metallb
