#include "sinks/redis/json_fields.h"

#include <gtest/gtest.h>

namespace sluice::redis {
namespace {

TEST(JsonFieldsTest, SplitsTopLevelMembersKeepingValueTextAsIs) {
  auto members = SplitTopLevel(
      R"({"record": {"a": [1, {"b": "}"}]}, "changes":null ,"action":"up\"date","n":-1.5e3,)"
      R"("e":{}})");
  ASSERT_TRUE(members.has_value()) << members.error().message();
  ASSERT_EQ(members->size(), 5u);
  EXPECT_EQ((*members)[0].name, "record");
  EXPECT_EQ((*members)[0].value, R"({"a": [1, {"b": "}"}]})");
  EXPECT_EQ((*members)[1].value, "null");
  EXPECT_EQ((*members)[2].value, R"("up\"date")");
  EXPECT_EQ((*members)[3].value, "-1.5e3");
  EXPECT_EQ((*members)[4].value, "{}");
}

TEST(JsonFieldsTest, UnescapesMemberNames) {
  auto members = SplitTopLevel(R"({"a\"b\\c": 1})");
  ASSERT_TRUE(members.has_value());
  EXPECT_EQ((*members)[0].name, "a\"b\\c");
}

TEST(JsonFieldsTest, EmptyObjectHasNoMembers) {
  auto members = SplitTopLevel(" { } ");
  ASSERT_TRUE(members.has_value());
  EXPECT_TRUE(members->empty());
}

TEST(JsonFieldsTest, RejectsWhatIsNotOneObject) {
  for (const char* bad : {"", "[1]", "\"s\"", "{", "{\"a\":}", "{\"a\":1", "{\"a\":[1}",
                          "{\"a\":\"x}", "{\"a\":1} {}", "{a:1}"}) {
    auto members = SplitTopLevel(bad);
    EXPECT_FALSE(members.has_value()) << bad;
    if (!members) {
      EXPECT_EQ(members.error().retry(), Retry::kPermanent);
    }
  }
}

}  // namespace
}  // namespace sluice::redis
