#include "api/listen_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace sluice {

Result<ListenAddress> ParseListenAddress(std::string_view listen) {
  auto invalid = [&](std::string_view why) {
    return Status::Permanent("server.listen \"" + std::string(listen) + "\": " + std::string(why) +
                             " (expected host:port, e.g. 127.0.0.1:7433)");
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return invalid("missing port");
  ListenAddress address;
  std::string_view host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid("put an IPv6 address in brackets");
  }
  if (host.empty()) return invalid("missing host");
  address.host = std::string(host);
  std::string_view port = listen.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || address.port < 0 ||
      address.port > 65535) {
    return invalid("port must be a number from 0 to 65535");
  }
  return address;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace sluice
