#include <httplib.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "json_messages.h"
#include "readers.h"

namespace sluice::bench {

void ReadHttpPull(const std::string& host, int port, const std::string& consumer,
                  ArrivalStats* stats, const std::atomic<bool>& stop) {
  httplib::Client client(host, port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // see main.cc: no Nagle wait on the request body
  // A receive on a deep queue can be slow; giving up early would hide its messages for the
  // whole visibility timeout.
  client.set_read_timeout(std::chrono::seconds(120));
  const std::string base = "/api/http_pull_consumers/" + consumer;
  const std::string receive_body =
      "{\"batch_size\":1000,\"wait_for\":" + std::to_string(kPollInterval.count()) + "}";
  simdjson::dom::parser response_parser;
  JsonMessages messages;
  std::vector<Arrival> arrivals;
  std::string error, ack_body;
  bool connected = false;  // failures before sluice first answers are just its start-up
  while (!stop.load()) {
    auto res = client.Post(base + "/receive", receive_body, "application/json");
    int64_t arrival_us = NowMicros();
    if (!res || res->status != 200) {
      // Counted once sluice is up, so that a failing queue shows in the report.
      if (connected || res)
        stats->RecordProblem(res ? "http_pull receive: HTTP " + std::to_string(res->status)
                                 : "http_pull receive: " + httplib::to_string(res.error()));
      std::this_thread::sleep_for(kPollInterval);
      continue;
    }
    connected = true;
    simdjson::dom::array items;
    if (response_parser.parse(res->body).get_object()["data"].get_array().get(items) !=
        simdjson::SUCCESS) {
      stats->RecordProblem("http_pull: receive answered without a data array");
      continue;
    }
    arrivals.clear();
    ack_body = "{\"ack_ids\":[";
    bool first = true;
    for (simdjson::dom::element item : items) {
      std::string_view ack_id;
      simdjson::dom::element msg;
      if (item["ack_id"].get_string().get(ack_id) != simdjson::SUCCESS ||
          item["data"].get(msg) != simdjson::SUCCESS) {
        stats->RecordProblem("http_pull: item without ack_id or data");
        continue;
      }
      if (!messages.ParseMessage(msg, &arrivals, &error)) stats->RecordProblem(error);
      if (!first) ack_body += ',';
      first = false;
      ack_body += '"';
      ack_body += ack_id;
      ack_body += '"';
    }
    ack_body += "]}";
    stats->Record(arrivals, arrival_us);
    if (!first) {
      auto ack = client.Post(base + "/ack", ack_body, "application/json");
      if (!ack || ack->status != 200) stats->RecordProblem("http_pull: ack failed");
    }
  }
}

}  // namespace sluice::bench
