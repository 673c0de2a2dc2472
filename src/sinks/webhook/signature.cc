#include "sinks/webhook/signature.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

namespace sluice {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr size_t kSha256Size = 32;
constexpr size_t kBatchIdBytes = 16;

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(bytes),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!IsBase64Char(text[i])) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(text),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

Result<std::string> DecodeSigningSecret(std::string_view secret) {
  std::string key(secret);
  if (secret.substr(0, kSecretPrefix.size()) == kSecretPrefix) {
    std::optional<std::string> decoded = Base64Decode(secret.substr(kSecretPrefix.size()));
    if (!decoded) return Status::Fatal("a \"whsec_\" signing secret must continue in base64");
    key = std::move(*decoded);
  }
  if (key.empty()) return Status::Fatal("signing secret is empty");
  return key;
}

Result<std::string> StandardWebhookSignature(std::string_view key, std::string_view webhook_id,
                                             int64_t timestamp, std::string_view body) {
  // Streamed into the MAC piece by piece so the (possibly large) body is never copied.
  std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  const std::string timestamp_text = std::to_string(timestamp);
  unsigned char out[kSha256Size];
  size_t out_size = 0;
  const bool ok = ctx && EVP_MAC_init(ctx.get(), Bytes(key), key.size(), params) == 1 &&
                  EVP_MAC_update(ctx.get(), Bytes(webhook_id), webhook_id.size()) == 1 &&
                  EVP_MAC_update(ctx.get(), Bytes("."), 1) == 1 &&
                  EVP_MAC_update(ctx.get(), Bytes(timestamp_text), timestamp_text.size()) == 1 &&
                  EVP_MAC_update(ctx.get(), Bytes("."), 1) == 1 &&
                  EVP_MAC_update(ctx.get(), Bytes(body), body.size()) == 1 &&
                  EVP_MAC_final(ctx.get(), out, &out_size, sizeof out) == 1;
  if (!ok) return Status::Fatal("OpenSSL cannot compute HMAC-SHA256");
  return "v1," + Base64Encode(std::string_view(reinterpret_cast<const char*>(out), out_size));
}

Result<std::string> BatchWebhookId(const Batch& batch) {
  std::unique_ptr<EVP_MD_CTX, MacDeleter> ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  for (size_t i = 0; ok && i < batch.size(); ++i) {
    const std::string& key = batch[i].idempotency_key;
    ok = (i == 0 || EVP_DigestUpdate(ctx.get(), "\n", 1) == 1) &&
         EVP_DigestUpdate(ctx.get(), key.data(), key.size()) == 1;
  }
  unsigned char digest[kSha256Size];
  unsigned int digest_size = 0;
  if (!ok || EVP_DigestFinal_ex(ctx.get(), digest, &digest_size) != 1) {
    return Status::Fatal("OpenSSL cannot compute SHA-256");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "batch_";
  for (size_t i = 0; i < kBatchIdBytes; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 0xf]);
  }
  return id;
}

}  // namespace sluice
