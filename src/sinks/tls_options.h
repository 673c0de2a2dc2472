#pragma once
// TlsOptions: the `tls` field that several destinations share. Either a boolean
// (`tls: true`) or a mapping (`tls: {verify: false, ca_file: ca.pem}`, which also turns TLS
// on). Certificates are verified unless `verify: false` is asked for (shared/spec/sinks.md).
#include <string>
#include <string_view>

#include "config/node.h"

namespace sluice {

struct TlsOptions {
  bool enabled = false;
  bool verify = true;       // check the server certificate chain and host name
  std::string ca_file;      // PEM bundle of trusted CAs; empty: the system trust store
  std::string cert_file;    // client certificate for mutual TLS (PEM), optional
  std::string key_file;     // its private key (PEM)
  std::string server_name;  // name to verify and send as SNI; empty: the host connected to
};

// Reads `key` of `node` (absent: TLS off). Records errors on `node`.
TlsOptions ParseTlsOptions(ConfigNode& node, std::string_view key);

}  // namespace sluice
