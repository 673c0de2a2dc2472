#pragma once
// StdoutSink: writes each message as JSON to standard output (or another stream), for trying
// sluice out and for `sluice quickstart`.
//
// Every batch is one fwrite followed by fflush, so a pipe reader sees changes as they arrive
// and lines of one batch are never interleaved with other writers' partial output. Delivery is
// synchronous: `done` runs on the caller's thread before Send returns.
// A closed reader (EPIPE) or closed descriptor is fatal; other write errors (a full disk under a
// redirect) are transient. SIGPIPE is blocked on the writing thread around the write, so a
// closed reader never kills the process.
#include <cstdio>
#include <memory>
#include <string>

#include "config/config.h"
#include "sinks/sink.h"
#include "sinks/stdout/config.h"

namespace sluice {

class StdoutSink final : public Sink {
 public:
  // `out` must stay open and alive for the sink's lifetime; the sink never closes it.
  StdoutSink(StdoutConfig config, std::FILE* out);

  // Sink (all called from the sink's runner thread).
  Status Start() override;
  void Send(const Batch& batch, DeliveryCallback done) override;
  Status Flush(std::chrono::milliseconds timeout) override;

 private:
  Status Write();

  const StdoutConfig config_;
  std::FILE* const out_;
  std::string buffer_;  // one batch's output, kept to reuse its capacity
};

// The registry's factory: a StdoutSink on the process's standard output.
Result<std::unique_ptr<Sink>> MakeStdoutSink(const SinkConfig& sink, const SinkContext& context);

}  // namespace sluice
