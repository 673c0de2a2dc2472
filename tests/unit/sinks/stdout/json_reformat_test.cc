#include "sinks/stdout/json_reformat.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::string Reformat(std::string_view json, int indent) {
  std::string out;
  ReformatJson(json, indent, &out);
  return out;
}

TEST(ReformatJsonTest, CompactsToOneLine) {
  EXPECT_EQ(Reformat("{ \"a\" : [1, 2,\n 3],\r\n\t\"b\": {} }", 0), R"({"a":[1,2,3],"b":{}})");
}

TEST(ReformatJsonTest, IndentsNestedContainers) {
  EXPECT_EQ(Reformat(R"({"a":[1,{"b":null}],"c":"x"})", 2),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    {\n"
            "      \"b\": null\n"
            "    }\n"
            "  ],\n"
            "  \"c\": \"x\"\n"
            "}");
}

TEST(ReformatJsonTest, KeepsNumbersDigitForDigit) {
  EXPECT_EQ(Reformat(R"({"n": 1200.50, "big": 123456789012345678901234567890, "e": 1E+3})", 0),
            R"({"n":1200.50,"big":123456789012345678901234567890,"e":1E+3})");
}

TEST(ReformatJsonTest, LeavesStringContentsAlone) {
  const std::string json = R"({"s":"a { [ , : \" ] } \\","t":"  spaced  "})";
  EXPECT_EQ(Reformat(json, 0), json);
  EXPECT_EQ(Reformat(json, 1),
            "{\n \"s\": \"a { [ , : \\\" ] } \\\\\",\n \"t\": \"  spaced  \"\n}");
}

TEST(ReformatJsonTest, KeepsEmptyContainersCompact) {
  EXPECT_EQ(Reformat("{\"a\": { }, \"b\": [ ]}", 2), "{\n  \"a\": {},\n  \"b\": []\n}");
}

TEST(ReformatJsonTest, PassesScalarsAndMalformedInputThrough) {
  EXPECT_EQ(Reformat(" \"just a string\" ", 2), "\"just a string\"");
  EXPECT_EQ(Reformat("]]}{", 0), "]]}{");
  EXPECT_EQ(Reformat("{\"unterminated", 0), "{\"unterminated");
}

}  // namespace
}  // namespace sluice
