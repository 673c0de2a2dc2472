#pragma once
// ScratchPostgres: a throwaway Postgres server for one test, in a fresh temporary directory,
// reachable only through a Unix socket in that directory (no TCP port to collide on).
// Runs initdb and pg_ctl from the newest /usr/lib/postgresql/<version>/bin, as the `postgres`
// user when the test runs as root (initdb refuses root). Startup takes about a second.
// The destructor stops the server (immediate mode) and deletes the directory.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::pg::testing {

class ScratchPostgres {
 public:
  ScratchPostgres() = default;
  ScratchPostgres(const ScratchPostgres&) = delete;
  ScratchPostgres& operator=(const ScratchPostgres&) = delete;
  ~ScratchPostgres() {
    if (started_) Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop >/dev/null");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Returns "" when the server is up, else what went wrong.
  std::string Start() {
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
      const std::string bin = entry.path().string() + "/bin";
      if (std::filesystem::exists(bin + "/initdb") && bin > bin_) bin_ = bin;
    }
    if (bin_.empty()) return "no /usr/lib/postgresql/*/bin/initdb (install postgresql)";
    char dir[] = "/tmp/sluice-pgtest-XXXXXX";
    if (mkdtemp(dir) == nullptr) return "mkdtemp failed";
    dir_ = dir;
    if (getuid() == 0) {
      const passwd* pg = getpwnam("postgres");
      if (pg == nullptr || chown(dir, pg->pw_uid, pg->pw_gid) != 0) {
        return "running as root needs a `postgres` user to own " + dir_;
      }
    }
    if (!Run(bin_ + "/initdb -N -A trust -U postgres -D " + dir_ + "/data >/dev/null")) {
      return "initdb failed";
    }
    std::ofstream(dir_ + "/data/postgresql.conf", std::ios::app)
        << "listen_addresses = ''\nunix_socket_directories = '" << dir_ << "'\nfsync = off\n";
    if (!Run(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/log -w -t 30 start >/dev/null")) {
      return "pg_ctl start failed; see " + dir_ + "/log";
    }
    started_ = true;
    return "";
  }

  std::string conninfo() const { return "host=" + dir_ + " user=postgres dbname=postgres"; }

 private:
  bool Run(const std::string& command) const {
    const std::string as_user = getuid() == 0 ? "runuser -u postgres -- " : "";
    return std::system((as_user + command).c_str()) == 0;
  }

  std::string bin_;
  std::string dir_;
  bool started_ = false;
};

}  // namespace sluice::pg::testing
