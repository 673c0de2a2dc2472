#pragma once
// TempPostgres: a throwaway Postgres server for `sluice quickstart`, in a fresh temporary
// directory, listening on a free port of 127.0.0.1 (and a Unix socket in that directory),
// with wal_level=logical and trust authentication for user `postgres`.
//
// Start() finds the server binaries, runs initdb and `pg_ctl start`. When we run as root
// they run as the `postgres` user (initdb refuses root), in a directory that user owns.
// The destructor stops the server (`pg_ctl stop -m fast`) and removes the directory, also
// after a Start that failed half-way. Used from one thread.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sluice::cli {

class TempPostgres {
 public:
  static Result<std::unique_ptr<TempPostgres>> Start();
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  const std::string& dir() const { return dir_; }  // holds data/, postgres.log, the socket
  const std::string& bin_dir() const { return bin_dir_; }
  int port() const { return port_; }

 private:
  TempPostgres(std::string dir, std::string bin_dir)
      : dir_(std::move(dir)), bin_dir_(std::move(bin_dir)) {}
  Status Init();
  // Runs a server binary, as `postgres` when we are root.
  Result<std::string> RunServerTool(const std::string& tool, std::vector<std::string> args);

  std::string dir_;
  std::string bin_dir_;
  std::vector<std::string> run_as_;  // e.g. {"runuser", "-u", "postgres", "--"}, or empty
  int port_ = 0;
};

// The directory holding initdb and pg_ctl: the newest /usr/lib/postgresql/<version>/bin,
// else `pg_config --bindir` (which may point to client-only tools, hence checked).
Result<std::string> FindPostgresBinDir();

// A TCP port on 127.0.0.1 that was free a moment ago.
Result<int> FindFreePort();

}  // namespace sluice::cli
