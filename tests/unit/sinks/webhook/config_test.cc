#include "sinks/webhook/config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <memory>

#include "sinks/webhook/webhook_sink.h"

namespace sluice {
namespace {

class WebhookConfigTest : public ::testing::Test {
 protected:
  WebhookConfigTest() {
    config_.http_endpoints.push_back(
        {"orders-service", "https://hooks.example.com/api", {{"Authorization", "Bearer t0k"}}});
    config_.http_endpoints.push_back({"audit", "http://127.0.0.1:9/", {}});
  }
  ConfigNode Destination(const std::string& yaml) {
    return ConfigNode(YAML::Load(yaml), "sluice.yaml", "sinks[0].destination", errors_);
  }
  Result<WebhookConfig> Parse(const std::string& yaml) {
    ConfigNode node = Destination(yaml);
    return ParseWebhookConfig(node, config_);
  }
  std::string AllErrors() const {
    std::string all;
    for (const auto& error : errors_->all()) all += error + "\n";
    return all;
  }

  std::shared_ptr<ConfigErrors> errors_ = std::make_shared<ConfigErrors>();
  Config config_;
};

TEST_F(WebhookConfigTest, ResolvesTheEndpointAndAppliesDefaults) {
  auto parsed = Parse("type: webhook\nhttp_endpoint: orders-service");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->url, "https://hooks.example.com/api");
  EXPECT_EQ(parsed->headers, (std::vector<std::string>{"Authorization: Bearer t0k"}));
  EXPECT_TRUE(parsed->batch);
  EXPECT_EQ(parsed->timeout, std::chrono::seconds(30));
  EXPECT_TRUE(parsed->signing_key.empty());
  EXPECT_TRUE(parsed->tls.verify);
  EXPECT_TRUE(errors_->empty()) << AllErrors();
}

TEST_F(WebhookConfigTest, ReadsEveryField) {
  auto parsed = Parse(
      "type: webhook\n"
      "http_endpoint: orders-service\n"
      "http_endpoint_path: /orders/created\n"
      "batch: false\n"
      "timeout: 1500ms\n"
      "signing_secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
      "tls: {verify: false, ca_file: /etc/ssl/ca.pem}\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->url, "https://hooks.example.com/api/orders/created");
  EXPECT_FALSE(parsed->batch);
  EXPECT_EQ(parsed->timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(parsed->signing_key.size(), 24u);  // the decoded base64, not the text
  EXPECT_FALSE(parsed->tls.verify);
  EXPECT_EQ(parsed->tls.ca_file, "/etc/ssl/ca.pem");
}

TEST_F(WebhookConfigTest, UnknownEndpointListsTheDefinedOnes) {
  auto parsed = Parse("type: webhook\nhttp_endpoint: orders");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().retry(), Retry::kFatal);
  const std::string& message = parsed.error().message();
  EXPECT_NE(message.find("sluice.yaml:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("sinks[0].destination.http_endpoint"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown http endpoint \"orders\""), std::string::npos) << message;
  EXPECT_NE(message.find("orders-service, audit"), std::string::npos) << message;
}

TEST_F(WebhookConfigTest, MissingEndpointIsAnError) {
  auto parsed = Parse("type: webhook\nbatch: true");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message().find("http_endpoint: required"), std::string::npos)
      << parsed.error().message();
}

TEST_F(WebhookConfigTest, UnknownKeysAreErrors) {
  auto parsed = Parse("type: webhook\nhttp_endpoint: audit\nbatchh: false\ntls: {verfy: false}");
  ASSERT_FALSE(parsed.has_value());
  const std::string& message = parsed.error().message();
  EXPECT_NE(message.find("sinks[0].destination.batchh: unknown key"), std::string::npos) << message;
  EXPECT_NE(message.find("sinks[0].destination.tls.verfy: unknown key"), std::string::npos)
      << message;
}

TEST_F(WebhookConfigTest, BadSigningSecretIsAnErrorThatDoesNotQuoteIt) {
  auto parsed = Parse("type: webhook\nhttp_endpoint: audit\nsigning_secret: whsec_s3cr3t!!");
  ASSERT_FALSE(parsed.has_value());
  const std::string& message = parsed.error().message();
  EXPECT_NE(message.find("signing_secret"), std::string::npos) << message;
  EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
}

TEST_F(WebhookConfigTest, EndpointUrlMustBeHttp) {
  config_.http_endpoints.push_back({"ftp", "ftp://files.example.com/in", {}});
  auto parsed = Parse("type: webhook\nhttp_endpoint: ftp");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message().find("http or https"), std::string::npos)
      << parsed.error().message();
}

TEST_F(WebhookConfigTest, TlsSettingsNeedAnHttpsEndpoint) {
  auto parsed = Parse("type: webhook\nhttp_endpoint: audit\ntls: {verify: false}");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message().find("use an https:// URL"), std::string::npos)
      << parsed.error().message();
  parsed = Parse("type: webhook\nhttp_endpoint: orders-service\ntls: {server_name: x}");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message().find("server_name is not supported"), std::string::npos);
}

TEST_F(WebhookConfigTest, HeaderWithLineBreakIsRejected) {
  config_.http_endpoints.push_back({"smuggle", "http://h/", {{"X-A", "1\r\nX-B: 2"}}});
  auto parsed = Parse("type: webhook\nhttp_endpoint: smuggle");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message().find("invalid name or value"), std::string::npos);
}

TEST_F(WebhookConfigTest, FactoryBuildsTheSinkOrNamesItInTheError) {
  SinkConfig sink_config;
  sink_config.name = "orders-hook";
  sink_config.destination_type = "webhook";
  sink_config.destination = Destination("type: webhook\nhttp_endpoint: audit");
  SinkContext context;
  context.config = &config_;
  auto sink = MakeWebhookSink(sink_config, context);
  ASSERT_TRUE(sink.has_value()) << sink.error().message();
  EXPECT_TRUE((*sink)->Start().ok());
  (*sink)->Stop();

  sink_config.destination = Destination("type: webhook\nhttp_endpoint: nope");
  auto bad = MakeWebhookSink(sink_config, context);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message().rfind("sink \"orders-hook\": ", 0), 0u) << bad.error().message();

  context.config = nullptr;
  EXPECT_FALSE(MakeWebhookSink(sink_config, context).has_value());
}

}  // namespace
}  // namespace sluice
