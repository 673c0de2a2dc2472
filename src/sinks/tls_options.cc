#include "sinks/tls_options.h"

namespace sluice {

TlsOptions ParseTlsOptions(ConfigNode& node, std::string_view key) {
  TlsOptions tls;
  if (node.KindOf(key) != ConfigNode::Kind::kMap) {
    tls.enabled = node.GetBool(key, false);
    return tls;
  }
  std::optional<ConfigNode> map = node.GetMap(key);
  tls.enabled = map->GetBool("enabled", true);
  tls.verify = map->GetBool("verify", true);
  tls.ca_file = map->GetString("ca_file", "");
  tls.cert_file = map->GetString("cert_file", "");
  tls.key_file = map->GetString("key_file", "");
  tls.server_name = map->GetString("server_name", "");
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    map->Error(tls.cert_file.empty() ? "key_file" : "cert_file",
               "cert_file and key_file go together (client certificate and its key)");
  }
  map->RejectUnknownKeys();
  return tls;
}

}  // namespace sluice
