#include "cli/quickstart_postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli/quickstart_process.h"
#include "common/log.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

bool HasServerTools(const fs::path& dir) {
  return ::access((dir / "initdb").c_str(), X_OK) == 0 &&
         ::access((dir / "pg_ctl").c_str(), X_OK) == 0;
}

// "15" -> {15, 0}, "9.6" -> {9, 6}; {-1, -1} for anything else.
std::pair<int, int> ParseVersion(const std::string& name) {
  std::pair<int, int> version{-1, -1};
  const char* end = name.data() + name.size();
  auto [dot, ec] = std::from_chars(name.data(), end, version.first);
  if (ec != std::errc()) return {-1, -1};
  version.second = 0;
  if (dot != end && (*dot != '.' || std::from_chars(dot + 1, end, version.second).ptr != end)) {
    return {-1, -1};
  }
  return version;
}

std::string TempRoot() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

}  // namespace

Result<std::string> FindPostgresBinDir() {
  std::error_code ec;
  std::pair<int, int> best_version{-1, -1};
  std::string best;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    std::pair<int, int> version = ParseVersion(entry.path().filename().string());
    if (version > best_version && HasServerTools(entry.path() / "bin")) {
      best_version = version;
      best = (entry.path() / "bin").string();
    }
  }
  if (!best.empty()) return best;
  Result<std::string> pg_config = RunProcess({"pg_config", "--bindir"}, "/");
  if (pg_config) {
    std::string dir = pg_config->substr(0, pg_config->find_last_not_of("\n") + 1);
    if (HasServerTools(dir)) return dir;
  }
  return Status::Fatal(
      "no Postgres server binaries (initdb, pg_ctl) found in /usr/lib/postgresql/*/bin or "
      "`pg_config --bindir`; install the postgresql package");
}

Result<int> FindFreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Fatal("socket: " + std::string(std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  int error = errno;
  ::close(fd);
  if (port == 0)
    return Status::Fatal("no free port on 127.0.0.1: " + std::string(std::strerror(error)));
  return port;
}

Result<std::unique_ptr<TempPostgres>> TempPostgres::Start() {
  Result<std::string> bin_dir = FindPostgresBinDir();
  if (!bin_dir) return bin_dir.error();
  std::string pattern = TempRoot() + "/sluice-quickstart-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::Fatal("cannot create a temporary directory under " + TempRoot() + ": " +
                         std::strerror(errno));
  }
  // From here on the destructor cleans up, whatever fails next.
  std::unique_ptr<TempPostgres> server(new TempPostgres(pattern, *bin_dir));
  SLUICE_RETURN_IF_ERROR(server->Init());
  return server;
}

Status TempPostgres::Init() {
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr) {
      return Status::Fatal("running as root, and there is no `postgres` user to run initdb as");
    }
    if (::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
      return Status::Fatal("chown " + dir_ + ": " + std::strerror(errno));
    }
    run_as_ = {"runuser", "-u", "postgres", "--"};
  }
  Result<int> port = FindFreePort();
  if (!port) return port.error();
  port_ = *port;

  const std::string data = dir_ + "/data";
  Result<std::string> initdb = RunServerTool(
      "initdb", {"-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "-N"});
  if (!initdb) return initdb.error();

  // Appending keeps the file's owner (postgres) even when we are root.
  std::ofstream conf(data + "/postgresql.conf", std::ios::app);
  conf << "\n# sluice quickstart\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "port = " << port_ << "\n"
       << "unix_socket_directories = '" << dir_ << "'\n"
       << "wal_level = logical\n"
       << "max_replication_slots = 4\n"
       << "max_wal_senders = 4\n"
       << "fsync = off\n";  // a throwaway demo database: speed over durability
  conf.close();
  if (!conf) return Status::Fatal("cannot write " + data + "/postgresql.conf");

  Result<std::string> start = RunServerTool(
      "pg_ctl", {"-D", data, "-l", dir_ + "/postgres.log", "-w", "-t", "60", "start"});
  if (!start) {
    return start.error().WithContext("Postgres did not start (see " + dir_ + "/postgres.log)");
  }
  return Status::Ok();
}

Result<std::string> TempPostgres::RunServerTool(const std::string& tool,
                                                std::vector<std::string> args) {
  std::vector<std::string> argv = run_as_;
  argv.push_back(bin_dir_ + "/" + tool);
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, dir_);
}

TempPostgres::~TempPostgres() {
  // A pid file means a postmaster may be running, even if `pg_ctl start` gave up waiting.
  std::error_code ec;
  if (std::filesystem::exists(dir_ + "/data/postmaster.pid", ec)) {
    Result<std::string> stop =
        RunServerTool("pg_ctl", {"-D", dir_ + "/data", "-m", "fast", "-w", "-t", "60", "stop"});
    if (!stop) SLUICE_LOG_WARN("quickstart: stopping Postgres: {}", stop.error().message());
  }
  std::filesystem::remove_all(dir_, ec);
  if (ec) SLUICE_LOG_WARN("quickstart: removing {}: {}", dir_, ec.message());
}

}  // namespace sluice::cli
