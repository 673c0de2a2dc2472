#include "sinks/webhook/signature.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice {
namespace {

Message WithKey(std::string key) {
  Message message;
  message.idempotency_key = std::move(key);
  return message;
}

// The published Standard Webhooks test vector (used by every reference library's tests):
// reproducing it means a receiver's stock library accepts our signatures.
TEST(SignatureTest, ReproducesTheStandardWebhooksTestVector) {
  auto key = DecodeSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.has_value()) << key.error().message();
  auto signature = StandardWebhookSignature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                            R"({"test": 2432232314})");
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(SignatureTest, SecretWithoutPrefixIsUsedAsRawBytes) {
  auto key = DecodeSigningSecret("plain secret");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(*key, "plain secret");
}

TEST(SignatureTest, RejectsBadOrEmptySecretsWithoutQuotingThem) {
  for (const char* secret : {"whsec_not base64!", "whsec_abc", "whsec_", ""}) {
    auto key = DecodeSigningSecret(secret);
    ASSERT_FALSE(key.has_value()) << secret;
    EXPECT_EQ(key.error().retry(), Retry::kFatal);
    if (std::string_view(secret).size() > 6) {
      EXPECT_EQ(key.error().message().find(secret + 6), std::string::npos);
    }
  }
}

TEST(SignatureTest, Base64RoundTripsEveryPaddingLength) {
  for (const std::string& bytes :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\0\xff\x80", 3)}) {
    const std::string encoded = Base64Encode(bytes);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, bytes);
  }
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_FALSE(Base64Decode("Zm9vYg=").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v-g==").has_value());
  EXPECT_FALSE(Base64Decode("Zm=vYg==").has_value());
}

TEST(SignatureTest, BatchIdDependsOnExactlyTheBatchKeys) {
  const Batch ab = {WithKey("a"), WithKey("b")};
  auto id = BatchWebhookId(ab);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->rfind("batch_", 0), 0u);
  EXPECT_EQ(id->size(), 6u + 32u);
  EXPECT_EQ(*id, *BatchWebhookId({WithKey("a"), WithKey("b")}));
  EXPECT_NE(*id, *BatchWebhookId({WithKey("a"), WithKey("b"), WithKey("c")}));
  EXPECT_NE(*id, *BatchWebhookId({WithKey("b"), WithKey("a")}));
  // The separator keeps key boundaries: ["ab"] is not ["a", "b"].
  EXPECT_NE(*id, *BatchWebhookId({WithKey("ab")}));
}

}  // namespace
}  // namespace sluice
