#include <httplib.h>

#include <string>
#include <vector>

#include "json_messages.h"
#include "readers.h"

namespace sluice::bench {

void ServeWebhooks(httplib::Server* server, ArrivalStats* stats) {
  server->Post(R"(/.*)", [stats](const httplib::Request& req, httplib::Response& res) {
    int64_t arrival_us = NowMicros();
    // httplib runs handlers on a pool; each pool thread keeps its own parser.
    thread_local JsonMessages parser;
    thread_local std::vector<Arrival> arrivals;
    arrivals.clear();
    std::string error;
    if (!parser.ParseBody(req.body, &arrivals, &error)) {
      stats->RecordProblem(error);
      // 400 so that a sender with a real bug shows up as failing rather than as slow.
      res.status = 400;
      res.set_content(error, "text/plain");
      return;
    }
    stats->Record(arrivals, arrival_us);
    res.set_content("{}", "application/json");
  });
}

}  // namespace sluice::bench
