#include "sinks/webhook/url.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::string Join(std::string_view base, std::string_view path) {
  auto url = JoinUrl(base, path);
  EXPECT_TRUE(url.has_value()) << base << " + " << path;
  return url.has_value() ? *url : "";
}

TEST(UrlTest, AppendsThePathWithOneSlash) {
  EXPECT_EQ(Join("http://h:8080/api", "/orders"), "http://h:8080/api/orders");
  EXPECT_EQ(Join("http://h:8080/api/", "/orders"), "http://h:8080/api/orders");
  EXPECT_EQ(Join("http://h:8080/api", "orders"), "http://h:8080/api/orders");
  EXPECT_EQ(Join("https://h", "/orders"), "https://h/orders");
  EXPECT_EQ(Join("http://h/hooks", ""), "http://h/hooks");
}

TEST(UrlTest, KeepsTheQueryAfterTheJoinedPath) {
  EXPECT_EQ(Join("http://h/api?token=abc", "/orders"), "http://h/api/orders?token=abc");
}

TEST(UrlTest, RejectsRelativeAndNonHttpUrls) {
  for (const char* base : {"not a url", "/relative", "ftp://h/x", "file:///etc/passwd", ""}) {
    auto url = JoinUrl(base, "/x");
    EXPECT_FALSE(url.has_value()) << base;
  }
}

TEST(UrlTest, RedactionDropsCredentialsQueryAndFragment) {
  EXPECT_EQ(RedactUrl("https://user:pw@h:8443/p/q?token=secret#frag"), "https://h:8443/p/q");
  EXPECT_EQ(RedactUrl("http://h/p"), "http://h/p");
  EXPECT_EQ(RedactUrl("::"), "<invalid URL>");
}

}  // namespace
}  // namespace sluice
