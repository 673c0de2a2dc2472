#include "api/listen_address.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(ListenAddressTest, ParsesHostAndPort) {
  Result<ListenAddress> address = ParseListenAddress("127.0.0.1:7433");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 7433);
}

TEST(ListenAddressTest, ParsesBracketedIpv6AndPortZero) {
  Result<ListenAddress> address = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 0);
}

TEST(ListenAddressTest, RejectsMalformedAddresses) {
  for (const char* text :
       {"127.0.0.1", ":7433", "host:", "host:70000", "host:-1", "host:12ab", "::1:7433"}) {
    Result<ListenAddress> address = ParseListenAddress(text);
    EXPECT_FALSE(address.has_value()) << text;
    if (!address) {
      EXPECT_NE(address.error().message().find(text), std::string::npos);
    }
  }
}

TEST(ListenAddressTest, LoopbackIsLocalhost127SlashEightAndV6One) {
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
}

}  // namespace
}  // namespace sluice
