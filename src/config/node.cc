#include "config/node.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "config/duration.h"

namespace sluice {
namespace {

// The key node and value node of `key` in `map`, or nullopt. Iterates instead of using
// operator[], which yaml-cpp may turn into an insertion or a zombie node.
std::optional<std::pair<YAML::Node, YAML::Node>> FindEntry(const YAML::Node& map,
                                                           std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      return std::make_pair(it->first, it->second);
    }
  }
  return std::nullopt;
}

// Adds "<file>:<line>:<col>: <path>: <message>" (parts left out when unknown or empty).
void Record(ConfigErrors& errors, const std::string& file, const YAML::Mark& mark,
            const std::string& path, std::string_view message) {
  std::string text = file;
  if (!mark.is_null()) {
    if (!text.empty()) text += ':';
    text += std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  if (!text.empty()) text += ": ";
  if (!path.empty()) text += path + ": ";
  text += message;
  errors.Add(mark.is_null() ? 0 : mark.line + 1, mark.is_null() ? 0 : mark.column + 1,
             std::move(text));
}

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// YAML 1.2 core schema booleans.
std::optional<bool> ParseBool(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

}  // namespace

void ConfigErrors::Add(int line, int column, std::string error) {
  if (std::find(errors_.begin(), errors_.end(), error) != errors_.end()) return;
  errors_.push_back(std::move(error));
  positions_.emplace_back(line, column);
}

Status ConfigErrors::ToStatus() const {
  if (errors_.empty()) return Status::Ok();
  std::vector<size_t> order(errors_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [this](size_t a, size_t b) { return positions_[a] < positions_[b]; });
  std::string message;
  for (size_t i : order) {
    if (!message.empty()) message += '\n';
    message += errors_[i];
  }
  return Status::Fatal(std::move(message));
}

ConfigNode::ConfigNode(const YAML::Node& node, std::string file, std::string path,
                       std::shared_ptr<ConfigErrors> errors)
    : node_(std::make_unique<YAML::Node>(node)),
      file_(std::move(file)),
      path_(std::move(path)),
      errors_(std::move(errors)) {}

ConfigNode::~ConfigNode() = default;

ConfigNode::ConfigNode(const ConfigNode& other)
    : node_(std::make_unique<YAML::Node>(*other.node_)),
      file_(other.file_),
      path_(other.path_),
      errors_(other.errors_),
      known_keys_(other.known_keys_) {}

ConfigNode& ConfigNode::operator=(const ConfigNode& other) {
  if (this == &other) return *this;
  // A fresh YAML::Node: assigning to an existing one would overwrite the shared document.
  node_ = std::make_unique<YAML::Node>(*other.node_);
  file_ = other.file_;
  path_ = other.path_;
  errors_ = other.errors_;
  known_keys_ = other.known_keys_;
  return *this;
}

bool ConfigNode::Has(std::string_view key) const {
  known_keys_.emplace(key);
  auto entry = FindEntry(*node_, key);
  return entry && !entry->second.IsNull();
}

ConfigNode::Kind ConfigNode::KindOf(std::string_view key) const {
  auto entry = FindEntry(*node_, key);
  if (!entry || entry->second.IsNull()) return Kind::kAbsent;
  if (entry->second.IsMap()) return Kind::kMap;
  if (entry->second.IsSequence()) return Kind::kList;
  return Kind::kScalar;
}

std::optional<std::string> ConfigNode::GetString(std::string_view key) {
  if (!Has(key)) return std::nullopt;
  YAML::Node value = FindEntry(*node_, key)->second;
  if (!value.IsScalar()) {
    Error(key, "expected a string");
    return std::nullopt;
  }
  return value.Scalar();
}

std::string ConfigNode::GetString(std::string_view key, std::string default_value) {
  return GetString(key).value_or(std::move(default_value));
}

std::string ConfigNode::RequireString(std::string_view key) {
  if (!Has(key)) {
    Error(key, "required");
    return "";
  }
  std::optional<std::string> value = GetString(key);
  if (value && value->empty()) Error(key, "must not be empty");
  return value.value_or("");
}

std::optional<int64_t> ConfigNode::GetOptionalInt(std::string_view key) {
  if (!Has(key)) return std::nullopt;
  YAML::Node value = FindEntry(*node_, key)->second;
  std::optional<int64_t> parsed = value.IsScalar() ? ParseInt(value.Scalar()) : std::nullopt;
  if (!parsed) Error(key, "expected an integer");
  return parsed;
}

int64_t ConfigNode::GetInt(std::string_view key, int64_t default_value) {
  return GetOptionalInt(key).value_or(default_value);
}

bool ConfigNode::GetBool(std::string_view key, bool default_value) {
  if (!Has(key)) return default_value;
  YAML::Node value = FindEntry(*node_, key)->second;
  std::optional<bool> parsed = value.IsScalar() ? ParseBool(value.Scalar()) : std::nullopt;
  if (!parsed) {
    Error(key, "expected true or false");
    return default_value;
  }
  return *parsed;
}

std::chrono::milliseconds ConfigNode::GetDuration(std::string_view key,
                                                  std::chrono::milliseconds default_value) {
  if (!Has(key)) return default_value;
  YAML::Node value = FindEntry(*node_, key)->second;
  std::optional<std::chrono::milliseconds> parsed =
      value.IsScalar() ? ParseDuration(value.Scalar()) : std::nullopt;
  if (!parsed) {
    Error(key, "expected a duration like 250ms, 15s, 2m, 1h or a number of milliseconds");
    return default_value;
  }
  if (parsed->count() <= 0) {
    Error(key, "must be positive");
    return default_value;
  }
  return *parsed;
}

std::vector<std::string> ConfigNode::GetStringList(std::string_view key) {
  if (!Has(key)) return {};
  YAML::Node value = FindEntry(*node_, key)->second;
  if (value.IsScalar()) return {value.Scalar()};
  std::vector<std::string> out;
  if (value.IsSequence()) {
    for (const auto& item : value) {
      if (!item.IsScalar()) {
        out.clear();
        break;
      }
      out.push_back(item.Scalar());
    }
    if (out.size() == value.size()) return out;
  }
  Error(key, "expected a list of strings");
  return {};
}

std::map<std::string, std::string> ConfigNode::GetStringMap(std::string_view key) {
  if (!Has(key)) return {};
  YAML::Node value = FindEntry(*node_, key)->second;
  std::map<std::string, std::string> out;
  if (value.IsMap()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!it->first.IsScalar() || !it->second.IsScalar()) {
        Error(key, "expected a mapping of strings to strings");
        return {};
      }
      out[it->first.Scalar()] = it->second.Scalar();
    }
    return out;
  }
  Error(key, "expected a mapping of strings to strings");
  return {};
}

std::optional<ConfigNode> ConfigNode::GetMap(std::string_view key) {
  if (!Has(key)) return std::nullopt;
  YAML::Node value = FindEntry(*node_, key)->second;
  if (!value.IsMap()) {
    Error(key, "expected a mapping");
    return std::nullopt;
  }
  return ConfigNode(value, file_, ChildPath(key), errors_);
}

std::vector<ConfigNode> ConfigNode::GetMapList(std::string_view key) {
  if (!Has(key)) return {};
  YAML::Node value = FindEntry(*node_, key)->second;
  if (!value.IsSequence()) {
    Error(key, "expected a list");
    return {};
  }
  std::vector<ConfigNode> out;
  size_t index = 0;
  for (const auto& item : value) {
    std::string item_path = ChildPath(key) + "[" + std::to_string(index++) + "]";
    if (!item.IsMap()) {
      Record(*errors_, file_, item.Mark(), item_path, "expected a mapping");
      continue;
    }
    out.emplace_back(item, file_, std::move(item_path), errors_);
  }
  return out;
}

void ConfigNode::Error(std::string_view key, std::string_view message) {
  auto entry = key.empty() ? std::nullopt : FindEntry(*node_, key);
  Record(*errors_, file_, entry ? entry->first.Mark() : node_->Mark(),
         key.empty() ? path_ : ChildPath(key), message);
}

void ConfigNode::RejectUnknownKeys() {
  if (!node_->IsMap()) return;
  std::set<std::string> seen;
  for (auto it = node_->begin(); it != node_->end(); ++it) {
    YAML::Node key = it->first;
    if (!key.IsScalar()) {
      Record(*errors_, file_, key.Mark(), path_, "keys must be plain strings");
    } else if (!seen.insert(key.Scalar()).second) {
      Record(*errors_, file_, key.Mark(), ChildPath(key.Scalar()), "duplicate key");
    } else if (known_keys_.count(key.Scalar()) == 0) {
      Record(*errors_, file_, key.Mark(), ChildPath(key.Scalar()), "unknown key");
    }
  }
}

std::string ConfigNode::ChildPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

Status ConfigNode::FinishParse(size_t errors_before, std::string_view what) {
  RejectUnknownKeys();
  const auto& errors = errors_->all();
  if (errors.size() == errors_before) return Status::Ok();
  std::string message(what);
  message += ":";
  for (size_t i = errors_before; i < errors.size(); ++i) message += "\n" + errors[i];
  return Status::Fatal(std::move(message));
}

}  // namespace sluice
