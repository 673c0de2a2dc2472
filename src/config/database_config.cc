// `databases[]`: parsing and the libpq connection string.
#include "config/parse.h"

namespace sluice {
namespace {

// libpq keyword value: always single-quoted, with \ and ' escaped by a backslash.
void AppendParam(std::string& out, std::string_view keyword, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += keyword;
  out += "='";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
}

// Postgres stores slot names as lowercase letters, digits and underscores, at most 63 bytes.
bool IsSlotName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// An identifier usable without quoting: a letter or _ first, lowercase, at most 63 bytes.
bool IsPlainIdentifier(const std::string& name) {
  return IsSlotName(name) && !(name[0] >= '0' && name[0] <= '9');
}

void ParseSsl(ConfigNode& node, SslConfig& ssl) {
  if (node.KindOf("ssl") != ConfigNode::Kind::kMap) {
    ssl.mode = node.GetBool("ssl", false) ? "require" : "disable";
    return;
  }
  ConfigNode map = *node.GetMap("ssl");
  ssl.mode = config_internal::GetEnum(map, "mode", "require",
                                      {"disable", "require", "verify-ca", "verify-full"});
  ssl.root_cert = map.GetString("root_cert", "");
  map.RejectUnknownKeys();
}

}  // namespace

namespace config_internal {

DatabaseConfig ParseDatabase(ConfigNode& node) {
  DatabaseConfig db;
  db.name = node.RequireString("name");
  db.url = node.GetString("url", "");
  if (!db.url.empty()) {
    if (!StartsWith(db.url, "postgres://") && !StartsWith(db.url, "postgresql://")) {
      node.Error("url", "expected a postgres:// or postgresql:// URL");
    }
    for (std::string_view field : {"hostname", "port", "database", "username", "password", "ssl"}) {
      if (node.Has(field)) {
        node.Error(field, "set either url or the separate connection fields, not both");
      }
    }
  } else {
    db.hostname = node.GetString("hostname", db.hostname);
    int64_t port = node.GetInt("port", db.port);
    if (port < 1 || port > 65535) {
      node.Error("port", "must be from 1 to 65535");
    } else {
      db.port = static_cast<int>(port);
    }
    db.database = node.RequireString("database");
    db.username = node.GetString("username", db.username);
    db.password = node.GetString("password", "");
    ParseSsl(node, db.ssl);
  }
  if (auto slot = node.GetMap("slot")) {
    db.slot.name = slot->GetString("name", db.slot.name);
    db.slot.create_if_not_exists = slot->GetBool("create_if_not_exists", true);
    if (!IsSlotName(db.slot.name)) {
      slot->Error("name", "use lowercase letters, digits and _ (at most 63)");
    }
    slot->RejectUnknownKeys();
  }
  if (auto publication = node.GetMap("publication")) {
    db.publication.name = publication->GetString("name", db.publication.name);
    db.publication.create_if_not_exists = publication->GetBool("create_if_not_exists", true);
    if (!IsPlainIdentifier(db.publication.name)) {
      publication->Error("name",
                         "use lowercase letters, digits and _, not starting with a digit "
                         "(at most 63)");
    }
    publication->RejectUnknownKeys();
  }
  db.heartbeat_interval = node.GetDuration("heartbeat_interval", db.heartbeat_interval);
  node.RejectUnknownKeys();
  return db;
}

}  // namespace config_internal

std::string DatabaseConfig::ConnInfo(bool replication) const {
  if (!url.empty()) {
    if (!replication) return url;
    char last = url.back();
    const char* separator = url.find('?') == std::string::npos ? "?"
                            : (last == '?' || last == '&')     ? ""
                                                               : "&";
    return url + separator + "replication=database";
  }
  std::string out;
  AppendParam(out, "host", hostname);
  AppendParam(out, "port", std::to_string(port));
  AppendParam(out, "dbname", database);
  AppendParam(out, "user", username);
  if (!password.empty()) AppendParam(out, "password", password);
  AppendParam(out, "sslmode", ssl.mode);
  if (!ssl.root_cert.empty()) AppendParam(out, "sslrootcert", ssl.root_cert);
  if (replication) AppendParam(out, "replication", "database");
  return out;
}

}  // namespace sluice
