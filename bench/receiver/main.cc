// sluice_bench_receiver: the destination end of the end-to-end benchmark. It receives changes
// from one contender (webhook POSTs, a pgoutput byte stream on stdin, a Redis stream, sluice's
// HTTP pull queue or Kafka), timestamps their arrival, and serves per-table counts, checksums
// and commit-to-arrival latencies on GET /stats (?percentiles=1) for bench/run.py.
//
// Usage: sluice_bench_receiver --mode=http|pgoutput|redis|http_pull|kafka --port=P
//          [--host=H --remote-port=P --name=KEY_OR_CONSUMER] [--brokers=B --topics=REGEX
//          --create-topics=A,B]
// Runs until SIGTERM or SIGINT.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "arrival.h"
#include "pgoutput_reader.h"
#include "readers.h"

namespace sluice::bench {
namespace {

std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      std::fprintf(stderr, "receiver: expected --name=value, got %s\n", argv[i]);
      std::exit(2);
    }
    flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  return flags;
}

int Run(int argc, char** argv) {
  auto flags = ParseFlags(argc, argv);
  const std::string mode = flags["mode"];
  const int port = std::atoi(flags["port"].c_str());
  if (port <= 0) {
    std::fprintf(stderr, "receiver: --port is required\n");
    return 2;
  }
  // Block the stop signals before any thread starts so that only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ArrivalStats stats;
  std::atomic<bool> stop{false};
  httplib::Server server;
  // Senders keep their connections open for the whole run.
  server.set_keep_alive_max_count(1 << 30);
  server.set_payload_max_length(256 << 20);
  // httplib writes a response's headers and body separately; with Nagle on, the body waits
  // for the sender's delayed ACK (~40 ms) and every webhook round trip would look that slow.
  server.set_tcp_nodelay(true);
  server.Get("/stats", [&stats](const httplib::Request& req, httplib::Response& res) {
    res.set_content(stats.ToJson(req.has_param("percentiles")), "application/json");
  });

  std::thread reader;
  if (mode == "http") {
    ServeWebhooks(&server, &stats);
  } else if (mode == "pgoutput") {
    reader = std::thread([&stats] { ReadPgoutputStream(STDIN_FILENO, &stats); });
  } else if (mode == "redis") {
    reader = std::thread([&] {
      ReadRedisStream(flags["host"], std::atoi(flags["remote-port"].c_str()), flags["name"], &stats,
                      stop);
    });
  } else if (mode == "http_pull") {
    reader = std::thread([&] {
      ReadHttpPull(flags["host"], std::atoi(flags["remote-port"].c_str()), flags["name"], &stats,
                   stop);
    });
  } else if (mode == "kafka") {
    std::string err;
    if (!CreateKafkaTopics(flags["brokers"], flags["create-topics"], &err)) {
      std::fprintf(stderr, "receiver: cannot create topics: %s\n", err.c_str());
      return 1;
    }
    reader = std::thread([&] { ReadKafka(flags["brokers"], flags["topics"], &stats, stop); });
  } else {
    std::fprintf(stderr, "receiver: unknown --mode=%s\n", mode.c_str());
    return 2;
  }

  if (!server.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "receiver: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::thread http([&server] { server.listen_after_bind(); });
  std::fprintf(stderr, "receiver: mode %s listening on 127.0.0.1:%d\n", mode.c_str(), port);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  stop.store(true);
  server.stop();
  http.join();
  // The pgoutput reader blocks in read() until its writer exits; it holds nothing to flush.
  if (reader.joinable()) {
    if (mode == "pgoutput") {
      reader.detach();
    } else {
      reader.join();
    }
  }
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) { return sluice::bench::Run(argc, argv); }
