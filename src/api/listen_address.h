#pragma once
// Parsing of server.listen and the loopback check that decides whether tokens are required.
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice {

struct ListenAddress {
  std::string host;  // without brackets for IPv6
  int port = 0;      // 0: any free port
};

// "host:port", "[v6addr]:port". Permanent error with the offending text otherwise.
Result<ListenAddress> ParseListenAddress(std::string_view listen);

// True for "localhost", 127.0.0.0/8 and ::1: addresses other machines cannot reach.
bool IsLoopbackHost(std::string_view host);

}  // namespace sluice
