#pragma once
// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything in it when the
// object goes away. Used by the store, api and http_pull sink tests.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace sluice::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/sluice-test-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when the directory could not be created (tests then fail on Open).
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sluice::testing
