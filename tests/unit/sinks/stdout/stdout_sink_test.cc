#include "sinks/stdout/stdout_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice {
namespace {

Message MessageWithBody(std::string body) {
  Message message;
  message.body = std::move(body);
  return message;
}

// A pipe whose write end is a stdio stream for the sink and whose read end the test drains.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (pipe(fds) != 0) ADD_FAILURE() << "pipe() failed";
    read_fd_ = fds[0];
    writer_ = fdopen(fds[1], "w");
  }
  ~Pipe() {
    if (writer_ != nullptr) std::fclose(writer_);
    CloseReader();
  }
  std::FILE* writer() { return writer_; }
  void CloseReader() {
    if (read_fd_ >= 0) close(read_fd_);
    read_fd_ = -1;
  }
  // Everything written so far (the sink flushes after each batch, so nothing is pending).
  std::string Drain() {
    fcntl(read_fd_, F_SETFL, O_NONBLOCK);
    std::string data;
    char chunk[4096];
    ssize_t n;
    while ((n = read(read_fd_, chunk, sizeof chunk)) > 0) data.append(chunk, n);
    return data;
  }

 private:
  int read_fd_ = -1;
  std::FILE* writer_ = nullptr;
};

// Runs Send and returns the outcomes, checking `done` ran exactly once.
std::vector<Status> SendAndWait(Sink& sink, const Batch& batch) {
  int calls = 0;
  std::vector<Status> outcomes;
  sink.Send(batch, [&](std::vector<Status> result) {
    ++calls;
    outcomes = std::move(result);
  });
  EXPECT_EQ(calls, 1);
  return outcomes;
}

TEST(StdoutSinkTest, WritesOneCompactLinePerMessageAndFlushesEachBatch) {
  Pipe pipe;
  StdoutSink sink(StdoutConfig{}, pipe.writer());
  ASSERT_TRUE(sink.Start().ok());

  auto outcomes = SendAndWait(sink, {MessageWithBody(R"({"id": 1, "n": 1.50})"),
                                     MessageWithBody("{\"id\":2,\n\"s\":\"a b\"}")});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_TRUE(outcomes[1].ok());
  // Readable without closing the stream: the batch was flushed.
  EXPECT_EQ(pipe.Drain(), "{\"id\":1,\"n\":1.50}\n{\"id\":2,\"s\":\"a b\"}\n");

  outcomes = SendAndWait(sink, {MessageWithBody(R"({"id":3})")});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_EQ(pipe.Drain(), "{\"id\":3}\n");
  EXPECT_TRUE(sink.Flush(std::chrono::milliseconds(100)).ok());
}

TEST(StdoutSinkTest, PrettyModeIndentsEachMessage) {
  Pipe pipe;
  StdoutSink sink(StdoutConfig{.pretty = true}, pipe.writer());
  ASSERT_TRUE(sink.Start().ok());
  auto outcomes = SendAndWait(sink, {MessageWithBody(R"({"a":{"b":[1]}})")});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_EQ(pipe.Drain(), "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}\n");
}

TEST(StdoutSinkTest, EmptyBatchReportsNoOutcomes) {
  Pipe pipe;
  StdoutSink sink(StdoutConfig{}, pipe.writer());
  EXPECT_TRUE(SendAndWait(sink, {}).empty());
  EXPECT_EQ(pipe.Drain(), "");
}

TEST(StdoutSinkTest, ClosedReaderIsFatalAndDoesNotKillTheProcess) {
  Pipe pipe;
  StdoutSink sink(StdoutConfig{}, pipe.writer());
  ASSERT_TRUE(sink.Start().ok());
  pipe.CloseReader();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto outcomes = SendAndWait(sink, {MessageWithBody("{}"), MessageWithBody("[]")});
    ASSERT_EQ(outcomes.size(), 2u);
    for (const Status& status : outcomes) {
      EXPECT_FALSE(status.ok());
      EXPECT_EQ(status.retry(), Retry::kFatal);
      EXPECT_NE(status.message().find("Broken pipe"), std::string::npos) << status.message();
    }
  }
  // The blocked SIGPIPE was consumed, not left pending for this thread.
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(StdoutSinkTest, StartFailsWhenTheOutputIsClosed) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  std::FILE* writer = fdopen(fds[1], "w");
  close(fds[1]);  // the stream now wraps a closed descriptor
  StdoutSink sink(StdoutConfig{}, writer);
  Status status = sink.Start();
  EXPECT_EQ(status.retry(), Retry::kFatal);
  EXPECT_FALSE(status.ok());
  std::fclose(writer);
}

// Config parsing goes through a real ConfigNode over YAML text.
class StdoutConfigTest : public ::testing::Test {
 protected:
  ConfigNode Destination(const std::string& yaml) {
    return ConfigNode(YAML::Load(yaml), "test.yaml", "sinks[0].destination", errors_);
  }
  std::shared_ptr<ConfigErrors> errors_ = std::make_shared<ConfigErrors>();
  Config config_;
};

TEST_F(StdoutConfigTest, DefaultsToCompactOutput) {
  ConfigNode node = Destination("type: stdout");
  auto parsed = ParseStdoutConfig(node, config_);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_FALSE(parsed->pretty);
  EXPECT_TRUE(errors_->empty());
}

TEST_F(StdoutConfigTest, ReadsPretty) {
  ConfigNode node = Destination("type: stdout\npretty: true");
  auto parsed = ParseStdoutConfig(node, config_);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_TRUE(parsed->pretty);
}

TEST_F(StdoutConfigTest, RejectsUnknownKeysWithTheirPath) {
  ConfigNode node = Destination("type: stdout\nprety: true");
  auto parsed = ParseStdoutConfig(node, config_);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().retry(), Retry::kFatal);
  EXPECT_NE(parsed.error().message().find("sinks[0].destination.prety"), std::string::npos)
      << parsed.error().message();
  EXPECT_FALSE(errors_->empty());
}

TEST_F(StdoutConfigTest, FactoryBuildsASinkFromTheSinkConfig) {
  SinkConfig sink_config;
  sink_config.name = "print";
  sink_config.destination_type = "stdout";
  sink_config.destination = Destination("type: stdout\npretty: false");
  SinkContext context;
  context.config = &config_;
  auto sink = MakeStdoutSink(sink_config, context);
  ASSERT_TRUE(sink.has_value()) << sink.error().message();
  EXPECT_TRUE((*sink)->Start().ok());

  sink_config.destination = Destination("type: stdout\npretty: 3x");
  auto bad = MakeStdoutSink(sink_config, context);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("sink \"print\""), std::string::npos);
}

}  // namespace
}  // namespace sluice
