#pragma once
// The demo data of `sluice quickstart`: database `demo` with public.orders, and a small
// write workload that keeps changing it so the stdout sink has something to show.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace sluice::cli {

// Creates database `demo` through `admin_conninfo` (a superuser connection to another
// database), then public.orders in it through `demo_conninfo`, with a few rows.
Status CreateDemoDatabase(const std::string& admin_conninfo, const std::string& demo_conninfo);

// Inserts, updates and deletes orders on its own thread, one statement every `interval`,
// until Stop() (or destruction). A failed statement (e.g. the server went away) ends it with
// a warning in the log. Start/Stop are called from one thread.
class DemoWorkload {
 public:
  DemoWorkload(std::string conninfo, std::chrono::milliseconds interval);
  ~DemoWorkload();  // Stop()
  DemoWorkload(const DemoWorkload&) = delete;
  DemoWorkload& operator=(const DemoWorkload&) = delete;

  void Start();
  // Wakes the thread and joins it; returns within one statement's time.
  void Stop();
  // Statements that succeeded so far.
  int64_t statements() const;

 private:
  void Run();  // @locality: the workload thread

  const std::string conninfo_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;   // GUARDED_BY(mutex_)
  int64_t statements_ = 0;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace sluice::cli
