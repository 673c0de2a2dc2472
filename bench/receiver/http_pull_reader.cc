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
  client.set_read_timeout(std::chrono::seconds(10));
  const std::string base = "/api/http_pull_consumers/" + consumer;
  const std::string receive_body =
      "{\"batch_size\":1000,\"wait_for\":" + std::to_string(kPollInterval.count()) + "}";
  simdjson::dom::parser response_parser;
  JsonMessages messages;
  std::vector<Arrival> arrivals;
  std::string error, ack_body;
  while (!stop.load()) {
    auto res = client.Post(base + "/receive", receive_body, "application/json");
    int64_t arrival_us = NowMicros();
    if (!res || res->status != 200) {
      // sluice may still be starting; the harness notices if nothing ever arrives.
      std::this_thread::sleep_for(kPollInterval);
      continue;
    }
    simdjson::dom::array items;
    if (response_parser.parse(res->body).get_object()["data"].get_array().get(items) !=
        simdjson::SUCCESS) {
      stats->RecordMalformed("http_pull: receive answered without a data array");
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
        stats->RecordMalformed("http_pull: item without ack_id or data");
        continue;
      }
      if (!messages.ParseMessage(msg, &arrivals, &error)) stats->RecordMalformed(error);
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
      if (!ack || ack->status != 200) stats->RecordMalformed("http_pull: ack failed");
    }
  }
}

}  // namespace sluice::bench
