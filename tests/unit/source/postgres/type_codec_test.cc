// The type codec matrix: tests/golden/type_codec/values.test, one case per block.
#include "source/postgres/type_codec.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "unit/source/postgres/recording_handler.h"

namespace sluice::pg {
namespace {

constexpr uint32_t kVectorOid = 16385;   // as if pgvector had been installed
constexpr uint32_t kUnknownOid = 99999;  // no registry knows it

struct CodecCase {
  int line = 0;
  std::string type, options, input, expect;
  bool has_input = false, has_expect = false;
};

std::vector<CodecCase> ReadCases() {
  std::vector<CodecCase> cases;
  std::istringstream file(testing::ReadFile(testing::GoldenDir() + "/type_codec/values.test"));
  CodecCase current;
  std::string line;
  auto value_of = [&](std::string_view key) {
    std::string rest = line.substr(key.size());
    if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
    return rest;
  };
  for (int line_number = 1; std::getline(file, line); ++line_number) {
    if (line.starts_with("#")) continue;
    if (line.empty()) {
      if (current.line != 0) cases.push_back(current);
      current = CodecCase();
      continue;
    }
    if (current.line == 0) current.line = line_number;
    if (line.starts_with("type:")) {
      current.type = value_of("type:");
    } else if (line.starts_with("options:")) {
      current.options = value_of("options:");
    } else if (line.starts_with("input:")) {
      current.input = value_of("input:");
      current.has_input = true;
    } else if (line.starts_with("expect:")) {
      current.expect = value_of("expect:");
      current.has_expect = true;
    } else {
      ADD_FAILURE() << "values.test:" << line_number << ": unknown line: " << line;
    }
  }
  if (current.line != 0) cases.push_back(current);
  return cases;
}

TEST(TypeCodecTest, RendersTheValueMatrix) {
  TypeRegistry types;
  types.AddStreamType(kVectorOid, "public", "vector");
  std::map<std::string, uint32_t> oid_by_name = {{"vector", kVectorOid},
                                                 {"unknown_type", kUnknownOid}};
  for (uint32_t oid = 0; oid < 16384; ++oid) {
    if (const TypeInfo* info = types.Find(oid)) oid_by_name[info->name] = oid;
  }

  const std::vector<CodecCase> cases = ReadCases();
  ASSERT_GT(cases.size(), 80u);
  for (const CodecCase& c : cases) {
    SCOPED_TRACE("values.test:" + std::to_string(c.line) + " " + c.type + " '" + c.input + "'");
    ASSERT_TRUE(c.has_input && c.has_expect) << "a case needs input: and expect:";
    ASSERT_EQ(oid_by_name.count(c.type), 1u) << "unknown type name";
    CodecOptions options;
    options.numeric_as_number = c.options.find("numeric_number") != std::string::npos;
    options.bytea_base64 = c.options.find("bytea_base64") != std::string::npos;
    options.timestamp_unix_microsecond = c.options.find("unix_microsecond") != std::string::npos;
    std::string out = "prefix:";  // appends, never overwrites
    AppendJsonValue(types, oid_by_name[c.type], c.input, options, &out);
    ASSERT_TRUE(out.starts_with("prefix:"));
    const std::string json = out.substr(7);
    EXPECT_EQ(json, c.expect);
    EXPECT_FALSE(nlohmann::json::parse(json, nullptr, false).is_discarded()) << json;
  }
}

TEST(TypeCodecTest, Base64MatchesRfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    std::string out;
    AppendBase64(plain, &out);
    EXPECT_EQ(out, encoded) << plain;
  }
}

TEST(TypeCodecTest, UtcTimestampHasSixFractionalDigits) {
  std::string out;
  AppendUtcTimestamp(1795502233123456, &out);
  EXPECT_EQ(out, "2026-11-24T06:37:13.123456Z");
  out.clear();
  AppendUtcTimestamp(-1, &out);
  EXPECT_EQ(out, "1969-12-31T23:59:59.999999Z");
}

// Whatever bytes arrive, the output is valid JSON (fuzz-style sweep over every category).
TEST(TypeCodecTest, ArbitraryTextAlwaysRendersValidJson) {
  TypeRegistry types;
  types.AddStreamType(kVectorOid, "public", "vector");
  const uint32_t oids[] = {16,   17,   20,   700,  1700, 1082, 1083, 1114,       1184,
                           1186, 1007, 1009, 1022, 1185, 1187, 1020, kVectorOid, kUnknownOid};
  const std::string alphabet = "{}[]\",\\ :-+.0123456789eNaULxtf=\t\x01\xff";
  uint32_t seed = 12345;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    seed = seed * 1103515245 + 12345;
    const size_t length = seed % 24;
    for (size_t i = 0; i < length; ++i) {
      seed = seed * 1103515245 + 12345;
      text.push_back(alphabet[(seed >> 16) % alphabet.size()]);
    }
    for (uint32_t oid : oids) {
      if (oid == 114 || oid == 3802) continue;  // json is embedded as the server sent it
      CodecOptions options;
      options.numeric_as_number = round % 2 == 0;
      options.bytea_base64 = round % 3 == 0;
      std::string out;
      AppendJsonValue(types, oid, text, options, &out);
      // Invalid UTF-8 passes through strings unchanged; check structure, not encoding.
      for (char& c : out) {
        if (static_cast<unsigned char>(c) >= 0x80) c = 'x';
      }
      ASSERT_FALSE(nlohmann::json::parse(out, nullptr, false).is_discarded())
          << "oid " << oid << " text '" << text << "' -> " << out;
    }
  }
}

}  // namespace
}  // namespace sluice::pg
