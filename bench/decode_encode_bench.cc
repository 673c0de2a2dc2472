// Decoder + encoder throughput: one real pgoutput Insert of a 5-column row (int8, text,
// numeric, timestamptz, bool; captured from Postgres 15 as tests/golden/pgoutput/
// five_columns.bin) decoded into a Change and encoded as a Sequin JSON message, per core.
// Goal: >= 1,000,000 changes/s. Run: build-*/decode_encode_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "sinks/encode/message_encoder.h"
#include "source/postgres/pgoutput_decoder.h"
#include "source/postgres/type_registry.h"

namespace sluice::pg {
namespace {

// Keeps the last change, as the replication code would hand it on.
class LastChangeHandler : public DecodeHandler {
 public:
  Change change;
  void OnBegin(const BeginMessage&) override {}
  void OnCommit(const CommitMessage&) override {}
  void OnChange(uint32_t, Change&& decoded) override { change = std::move(decoded); }
  void OnLogicalMessage(const LogicalMessage&) override {}
  void OnStreamStart(const StreamStartMessage&) override {}
  void OnStreamStop() override {}
  void OnStreamCommit(const StreamCommitMessage&) override {}
  void OnStreamAbort(const StreamAbortMessage&) override {}
};

// The captured messages: Begin, Relation, Insert, Commit.
std::vector<std::string> CapturedMessages() {
  // Found next to this source file (CMake compiles it by absolute path), so the benchmark needs
  // no build setting and runs from any directory.
  const std::string source = __FILE__;
  const std::string path =
      source.substr(0, source.rfind("/bench/")) + "/tests/golden/pgoutput/five_columns.bin";
  std::ifstream in(path, std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> messages;
  for (size_t pos = 0; pos + 4 <= file.size();) {
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length = length << 8 | static_cast<uint8_t>(file[pos + i]);
    messages.push_back(file.substr(pos + 4, length));
    pos += 4 + length;
  }
  if (messages.size() != 4 || messages[2][0] != 'I') {
    std::fprintf(stderr, "%s: expected Begin, Relation, Insert, Commit\n", path.c_str());
    std::abort();
  }
  return messages;
}

void BM_DecodeEncodeInsert(benchmark::State& state) {
  const std::vector<std::string> messages = CapturedMessages();
  PgOutputDecoder decoder;
  LastChangeHandler handler;
  for (const std::string& message : messages) {
    if (!decoder.Decode(message, handler).ok()) std::abort();
  }
  const std::string& insert = messages[2];
  const MessageEncoder encoder({},
                               {"sink-id", "orders-to-kafka", "db-id", "app", "app", "localhost"},
                               std::make_shared<const TypeRegistry>());
  std::string out;
  uint32_t commit_idx = 0;
  for (auto _ : state) {
    Status status = decoder.Decode(insert, handler);
    benchmark::DoNotOptimize(status);
    handler.change.position = {0x16B374D848, commit_idx++};
    out.clear();
    encoder.Encode(handler.change, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_DecodeEncodeInsert);

void BM_DecodeInsert(benchmark::State& state) {
  const std::vector<std::string> messages = CapturedMessages();
  PgOutputDecoder decoder;
  LastChangeHandler handler;
  for (const std::string& message : messages) {
    if (!decoder.Decode(message, handler).ok()) std::abort();
  }
  for (auto _ : state) {
    Status status = decoder.Decode(messages[2], handler);
    benchmark::DoNotOptimize(status);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeInsert);

}  // namespace
}  // namespace sluice::pg

BENCHMARK_MAIN();
