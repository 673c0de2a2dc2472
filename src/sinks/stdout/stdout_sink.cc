#include "sinks/stdout/stdout_sink.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/log.h"
#include "common/sigpipe.h"
#include "sinks/stdout/json_reformat.h"

namespace sluice {
namespace {

constexpr int kPrettyIndent = 2;

}  // namespace

StdoutSink::StdoutSink(StdoutConfig config, std::FILE* out)
    : config_(std::move(config)), out_(out) {}

Status StdoutSink::Start() {
  if (fcntl(fileno(out_), F_GETFL) == -1) {
    return Status::Fatal(std::string("stdout sink: output is not open: ") + std::strerror(errno));
  }
  return Status::Ok();
}

void StdoutSink::Send(const Batch& batch, DeliveryCallback done) {
  buffer_.clear();
  for (const Message& message : batch) {
    ReformatJson(message.body, config_.pretty ? kPrettyIndent : 0, &buffer_);
    buffer_.push_back('\n');
  }
  done(SameOutcome(batch.size(), Write()));
}

Status StdoutSink::Write() {
  ScopedSigpipeBlock no_sigpipe;
  const size_t written = std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
  int error = written == buffer_.size() ? 0 : errno;
  if (std::fflush(out_) != 0 && error == 0) error = errno;
  if (error == 0) return Status::Ok();
  // Clear the sticky error flag so a later batch tries again (a retried batch may then print
  // some lines twice: at least once, as everywhere).
  std::clearerr(out_);
  std::string message = std::string("stdout sink: write failed: ") + std::strerror(error);
  SLUICE_LOG_ERROR("{}", message);
  // No reader or no descriptor will not heal by retrying; a full disk may.
  if (error == EPIPE || error == EBADF) return Status::Fatal(std::move(message));
  return Status::Transient(std::move(message));
}

Status StdoutSink::Flush(std::chrono::milliseconds timeout) { return Status::Ok(); }

Result<std::unique_ptr<Sink>> MakeStdoutSink(const SinkConfig& sink, const SinkContext& context) {
  if (!sink.destination || context.config == nullptr) {
    return Status::Fatal("sink \"" + sink.name + "\": stdout sink built without its config");
  }
  ConfigNode destination = *sink.destination;
  Result<StdoutConfig> config = ParseStdoutConfig(destination, *context.config);
  if (!config) return config.error().WithContext("sink \"" + sink.name + "\"");
  return std::unique_ptr<Sink>(std::make_unique<StdoutSink>(std::move(*config), stdout));
}

}  // namespace sluice
