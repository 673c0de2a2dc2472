#pragma once
// A real redis-server (Debian's) for the redis sink tests, on free loopback ports: always a
// plain port (the tests read results through it), optionally a TLS port with a throwaway CA
// made by openssl, and optionally an ACL user with the `default` user switched off.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testlib/process.h"

namespace sluice::testing {

struct RedisServerOptions {
  bool tls = false;
  std::string acl_user;  // when set: `default` is off and this user has every right
  std::string acl_password;
  bool persist = false;  // append-only file, fsync always, so a restart keeps the data
};

class RedisServer {
 public:
  // Starts a server; on failure returns null and sets `error`.
  static std::unique_ptr<RedisServer> Start(RedisServerOptions options, std::string* error) {
    std::unique_ptr<RedisServer> server(new RedisServer(std::move(options)));
    char tmpl[] = "/tmp/sluice-redis-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      *error = "mkdtemp failed";
      return nullptr;
    }
    server->dir_ = tmpl;
    server->port_ = FreePort();
    if (server->options_.tls) {
      server->tls_port_ = FreePort();
      if (!server->MakeCertificates(error)) return nullptr;
    }
    if (!server->Launch(error)) return nullptr;
    return server;
  }

  ~RedisServer() {
    Stop();
    std::string out;
    RunCommand("rm -rf " + dir_, &out);
  }

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  std::string ca_file() const { return dir_ + "/ca.crt"; }
  std::string other_ca_file() const { return dir_ + "/other-ca.crt"; }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool Restart(std::string* error) {
    Stop();
    return Launch(error);
  }

  // Runs one command on the plain port (authenticating as the ACL user if there is one).
  std::unique_ptr<redisReply, void (*)(void*)> Command(const std::vector<std::string>& args) {
    redisContext* c = redisConnect("127.0.0.1", port_);
    if (!options_.acl_user.empty()) {
      freeReplyObject(
          redisCommand(c, "AUTH %s %s", options_.acl_user.c_str(), options_.acl_password.c_str()));
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    void* reply = redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
    redisFree(c);
    return {static_cast<redisReply*>(reply), freeReplyObject};
  }

 private:
  explicit RedisServer(RedisServerOptions options) : options_(std::move(options)) {}

  bool MakeCertificates(std::string* error) {
    std::string d = dir_;
    std::string script =
        "cd " + d +
        " && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 "
        "-subj /CN=sluice-test-ca && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt "
        "-days 2 -subj /CN=other-ca && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj /CN=localhost && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > ext.cnf && "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
        "-out server.crt -days 2 -extfile ext.cnf";
    std::string out;
    if (RunCommand(script, &out) != 0) {
      *error = "openssl failed: " + out;
      return false;
    }
    return true;
  }

  bool Launch(std::string* error) {
    std::vector<std::string> args = {"redis-server", "--port",    std::to_string(port_),
                                     "--bind",       "127.0.0.1", "--dir",
                                     dir_,           "--save",    ""};
    if (options_.persist) {
      args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
    } else {
      args.insert(args.end(), {"--appendonly", "no"});
    }
    if (options_.tls) {
      args.insert(args.end(), {"--tls-port", std::to_string(tls_port_), "--tls-cert-file",
                               dir_ + "/server.crt", "--tls-key-file", dir_ + "/server.key",
                               "--tls-ca-cert-file", dir_ + "/ca.crt", "--tls-auth-clients", "no"});
    }
    if (!options_.acl_user.empty()) {
      args.insert(args.end(), {"--user", "default", "off", "--user", options_.acl_user, "on",
                               ">" + options_.acl_password, "~*", "&*", "+@all"});
    }
    std::string log = dir_ + "/redis.log";
    pid_ = fork();
    if (pid_ == 0) {
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("redis-server", argv.data());
      _exit(127);
    }
    for (int attempt = 0; attempt < 100; ++attempt) {  // up to 10 s
      redisContext* c = redisConnect("127.0.0.1", port_);
      bool up = c != nullptr && c->err == 0;
      if (up) {
        redisReply* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
        up = reply != nullptr;  // PONG, or NOAUTH with the default user off: either is alive
        if (reply != nullptr) freeReplyObject(reply);
      }
      if (c != nullptr) redisFree(c);
      if (up) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        std::string out;
        RunCommand("tail -n 20 " + log, &out);
        *error = "redis-server exited: " + out;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    *error = "redis-server did not answer within 10 s";
    return false;
  }

  RedisServerOptions options_;
  std::string dir_;
  int port_ = 0;
  int tls_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sluice::testing
