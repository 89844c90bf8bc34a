// IP address text to socket addresses, shared by the TCP functions of the
// addon (TCP MD5 keys and the dial-out).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace metallb {

// The family of a socket that can reach `text`: AF_INET for an IPv4
// address, AF_INET6 for an IPv6 one (IPv4-mapped included), AF_UNSPEC when
// `text` is neither (names and scoped "fe80::1%eth0" forms are not accepted).
int AddressFamily(const std::string& text);

// Fills `address` and `length` for `text` and `port`, in the family of a
// socket of `socket_family`. An IPv4 address for an AF_INET6 socket is written
// as ::ffff:a.b.c.d, as the kernel sees it there (ipv6(7), "IPv4-mapped").
// False when `text` is not an address of a family that socket can use.
bool SocketAddress(const std::string& text, uint16_t port, int socket_family,
                   sockaddr_storage* address, socklen_t* length);

}  // namespace metallb
