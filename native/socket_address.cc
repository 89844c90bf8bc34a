#include "socket_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace metallb {

int AddressFamily(const std::string& text) {
  in_addr ipv4{};
  in6_addr ipv6{};
  if (inet_pton(AF_INET, text.c_str(), &ipv4) == 1) return AF_INET;
  if (inet_pton(AF_INET6, text.c_str(), &ipv6) == 1) return AF_INET6;
  return AF_UNSPEC;
}

bool SocketAddress(const std::string& text, uint16_t port, int socket_family,
                   sockaddr_storage* address, socklen_t* length) {
  std::memset(address, 0, sizeof *address);
  in_addr ipv4{};
  in6_addr ipv6{};
  if (inet_pton(AF_INET, text.c_str(), &ipv4) == 1) {
    if (socket_family == AF_INET6) {
      auto* mapped = reinterpret_cast<sockaddr_in6*>(address);
      mapped->sin6_family = AF_INET6;
      mapped->sin6_port = htons(port);
      mapped->sin6_addr.s6_addr[10] = 0xff;
      mapped->sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&mapped->sin6_addr.s6_addr[12], &ipv4, 4);
      *length = sizeof *mapped;
      return true;
    }
    if (socket_family != AF_INET) return false;
    auto* plain = reinterpret_cast<sockaddr_in*>(address);
    plain->sin_family = AF_INET;
    plain->sin_port = htons(port);
    plain->sin_addr = ipv4;
    *length = sizeof *plain;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), &ipv6) == 1 && socket_family == AF_INET6) {
    auto* plain = reinterpret_cast<sockaddr_in6*>(address);
    plain->sin6_family = AF_INET6;
    plain->sin6_port = htons(port);
    plain->sin6_addr = ipv6;
    *length = sizeof *plain;
    return true;
  }
  return false;
}

}  // namespace metallb
