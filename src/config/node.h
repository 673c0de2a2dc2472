#pragma once
// ConfigNode: a YAML mapping with its key path and file position, for typed, validated reads.
//
// Every getter records an error (never throws) when a value has the wrong type; Require*
// records one when the key is missing. RejectUnknownKeys() then reports each key that no
// getter asked for (and duplicate keys). Errors read
// "sluice.yaml:12:5: sinks[1].destination.topic: <message>"; list indexes count from 0.
// Copies share one error list, so a tree of nodes collects every problem of a file. A node
// returned by GetMap/GetMapList is a new node: whoever reads it calls its RejectUnknownKeys.
// Error messages never quote a value (it may be a secret), only keys, names and positions.
// Not thread-safe: nodes sharing an error list (copies, children) must be used by one thread
// at a time. Every node keeps the YAML document alive.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace YAML {
class Node;
}

namespace sluice {

// Every problem found in one file. all() lists them in the order they were found (append
// only, so a parser may look at what it added since a given size); ToStatus() lists them in
// file order (line, then column) so that a user reads them top to bottom.
class ConfigErrors {
 public:
  // Appends `error` (already prefixed with its position) unless the same text is listed
  // already (a node may be checked twice). `line` and `column` are 1-based; 0 sorts first.
  void Add(int line, int column, std::string error);
  // An error without a file position (listed first by ToStatus).
  void Add(std::string error) { Add(0, 0, std::move(error)); }
  const std::vector<std::string>& all() const { return errors_; }
  bool empty() const { return errors_.empty(); }
  // One Status listing every error, one per line, in file order; OK when there are none.
  Status ToStatus() const;

 private:
  std::vector<std::string> errors_;
  std::vector<std::pair<int, int>> positions_;  // parallel to errors_
};

class ConfigNode {
 public:
  // `node` must be a map (or null, treated as empty). `path` is "" for the document root.
  ConfigNode(const YAML::Node& node, std::string file, std::string path,
             std::shared_ptr<ConfigErrors> errors);
  ~ConfigNode();
  ConfigNode(const ConfigNode& other);
  ConfigNode& operator=(const ConfigNode& other);

  const std::string& path() const { return path_; }
  bool Has(std::string_view key) const;  // present and not null; marks the key as known

  // What a key holds, for keys that accept several shapes (`ssl: true` or `ssl: {...}`).
  // Does not mark the key as known: the getter that reads it does.
  enum class Kind { kAbsent, kScalar, kList, kMap };  // kAbsent also for null
  Kind KindOf(std::string_view key) const;

  std::optional<std::string> GetString(std::string_view key);
  std::string GetString(std::string_view key, std::string default_value);
  std::string RequireString(std::string_view key);
  int64_t GetInt(std::string_view key, int64_t default_value);
  std::optional<int64_t> GetOptionalInt(std::string_view key);
  bool GetBool(std::string_view key, bool default_value);
  // "250ms", "15s", "2m", "1h", or a bare integer of milliseconds.
  std::chrono::milliseconds GetDuration(std::string_view key,
                                        std::chrono::milliseconds default_value);
  // A list of strings; a single scalar counts as a list of one.
  std::vector<std::string> GetStringList(std::string_view key);
  std::map<std::string, std::string> GetStringMap(std::string_view key);
  // A nested mapping (nullopt when absent; an error when not a mapping).
  std::optional<ConfigNode> GetMap(std::string_view key);
  // A list of mappings (empty when absent).
  std::vector<ConfigNode> GetMapList(std::string_view key);

  // Records "<file>:<line>:<col>: <path>.<key>: <message>" (position of the key if present).
  void Error(std::string_view key, std::string_view message);
  // Records an error for every key of this mapping not read by a getter above.
  void RejectUnknownKeys();
  // Ends the parse of this mapping: rejects unknown keys, then returns OK when no error was
  // recorded since `errors_before` (errors().all().size() when the parse began), else a fatal
  // Status headed `what` ("invalid webhook destination") listing those errors.
  Status FinishParse(size_t errors_before, std::string_view what);

  ConfigErrors& errors() { return *errors_; }
  std::shared_ptr<ConfigErrors> shared_errors() const { return errors_; }

 private:
  std::string ChildPath(std::string_view key) const;
  std::unique_ptr<YAML::Node> node_;
  std::string file_;
  std::string path_;
  std::shared_ptr<ConfigErrors> errors_;
  // Keys read so far; reading is bookkeeping, hence mutable (Has() is const).
  mutable std::set<std::string> known_keys_;
};

}  // namespace sluice
